import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The browser end-to-end suite (npm run test:e2e): a real `zhisuan up` and Debian's Chromium.
// Not part of `npm test`; .ci/run runs it after the unit suites.
export default defineConfig({
  resolve: {
    // Packages resolve to their build, as `zhisuan up` runs it; the cli's test support is
    // source only (it registers a vitest hook, so it is not built).
    alias: {
      '@zhisuan/cli/testing': fileURLToPath(
        new URL('packages/cli/src/testing.ts', import.meta.url),
      ),
    },
  },
  test: {
    include: ['packages/console/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
})
