// Test-only: the conformance suite imports vitest, so this entry is not built into dist (see
// tsconfig.json). Tests reach it as `@zhisuan/domain/testing` through vitest.config.ts's alias
// and tsconfig.test.json's paths.
export { runBackendConformance, type BackendFixture } from './control/backend.case.js'
