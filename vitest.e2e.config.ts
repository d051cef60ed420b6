import { defineConfig } from 'vitest/config'

// The browser end-to-end suite (npm run test:e2e): a real `zhisuan up` and Debian's Chromium.
// Not part of `npm test`; .ci/run runs it after the unit suites.
export default defineConfig({
  test: {
    include: ['packages/console/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
})
