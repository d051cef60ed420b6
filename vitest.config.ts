import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // Test packages against each other's sources, not their last build.
    alias: {
      '@zhisuan/domain/testing': fileURLToPath(
        new URL('packages/domain/src/testing.ts', import.meta.url),
      ),
      '@zhisuan/domain': fileURLToPath(new URL('packages/domain/src/index.ts', import.meta.url)),
      '@zhisuan/perf': fileURLToPath(new URL('packages/perf/src/index.ts', import.meta.url)),
      '@zhisuan/engine': fileURLToPath(new URL('packages/engine/src/index.ts', import.meta.url)),
      '@zhisuan/sim': fileURLToPath(new URL('packages/sim/src/index.ts', import.meta.url)),
      '@zhisuan/store/testing': fileURLToPath(
        new URL('packages/store/src/testing.ts', import.meta.url),
      ),
      '@zhisuan/store': fileURLToPath(new URL('packages/store/src/index.ts', import.meta.url)),
      '@zhisuan/slurm': fileURLToPath(new URL('packages/slurm/src/index.ts', import.meta.url)),
      '@zhisuan/agent': fileURLToPath(new URL('packages/agent/src/index.ts', import.meta.url)),
      '@zhisuan/checkpoint/bench': fileURLToPath(
        new URL('packages/checkpoint/src/bench.ts', import.meta.url),
      ),
      '@zhisuan/checkpoint': fileURLToPath(
        new URL('packages/checkpoint/src/index.ts', import.meta.url),
      ),
      '@zhisuan/server/testing': fileURLToPath(
        new URL('packages/server/src/testing.ts', import.meta.url),
      ),
      '@zhisuan/server': fileURLToPath(new URL('packages/server/src/index.ts', import.meta.url)),
      '@zhisuan/scheduler': fileURLToPath(
        new URL('packages/scheduler/src/index.ts', import.meta.url),
      ),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    testTimeout: 30_000,
  },
})
