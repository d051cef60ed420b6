// Test-only: the end-to-end support registers a vitest hook, so this entry is not built into
// dist (see tsconfig.json). The console's browser suite reaches it as `@zhisuan/cli/testing`
// through vitest.e2e.config.ts's alias and tsconfig.test.json's paths.
export { bin, callApi, killed, runningNodes, until, up, type Up } from './e2e.test-support.js'
