// Who may import whom (ARCHITECTURE.md, "Packages"), checked by `npm run lint` with
// dependency-cruiser. Each package's tests are held to the same table as its code.

/** The packages of ours each package may import: the table, down. */
const mayImport = {
  domain: [],
  perf: ['domain'],
  scheduler: ['domain', 'perf'],
  engine: ['domain', 'perf', 'scheduler'],
  sim: ['domain', 'perf', 'scheduler', 'engine'],
  store: ['domain'],
  slurm: ['domain'],
  agent: ['domain'],
  checkpoint: ['domain'],
  server: ['domain', 'perf', 'scheduler', 'engine', 'store', 'sim', 'slurm'],
  // cli: everything above, so no rule. The console has rules of its own below; its browser
  // suite (e2e/) drives the whole product through a real `zhisuan up`, as the cli's tests do.
}

/**
 * A dependency on one of our packages other than `allowed`: resolved into packages/<name>/, or,
 * when that package is not built yet and cannot be resolved, still named @zhisuan/<name>.
 * @param {readonly string[]} allowed
 */
const ourPackagesExcept = (allowed) =>
  `^(?:packages|@zhisuan)/(?!(?:${allowed.join('|')})(?:/|$))[^/]+`

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...Object.entries(mayImport).map(([name, allowed]) => ({
      name: `${name}-may-import-${allowed.length === 0 ? 'no-package-of-ours' : allowed.join('-')}`,
      comment: `${name} may import ${allowed.length === 0 ? 'no package of ours' : allowed.join(', ')} (ARCHITECTURE.md)`,
      severity: 'error',
      from: { path: `^packages/${name}/` },
      to: { path: ourPackagesExcept([name, ...allowed]) },
    })),
    {
      name: 'console-uses-only-the-openapi',
      comment:
        "the console's code talks to the server over HTTP only, through types generated from its OpenAPI (src/api/schema.generated.ts)",
      severity: 'error',
      from: { path: '^packages/console/src/' },
      to: { path: ourPackagesExcept(['console']) },
    },
    {
      name: 'console-scripts-read-only-the-openapi',
      comment:
        "the console's build scripts may build the server's app (on a store) to read its OpenAPI document, nothing else of ours",
      severity: 'error',
      from: { path: '^packages/console/scripts/' },
      to: { path: ourPackagesExcept(['console', 'server', 'store']) },
    },
    {
      name: 'no-relative-path-into-another-package',
      comment:
        "import another package by its name (its public entry point: '@zhisuan/x' or '@zhisuan/x/testing'), never by a relative path into its src/ or dist/",
      severity: 'error',
      from: { path: '^packages/([^/]+)/' },
      to: {
        dependencyTypes: ['local'],
        // '@zhisuan/domain/testing' resolves into domain's src by tsconfig.test.json's paths
        dependencyTypesNot: ['aliased'],
        path: '^packages/',
        pathNot: '^packages/$1/',
      },
    },
    {
      name: 'no-circular',
      comment: 'modules that import each other, directly or through others, cannot be layered',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Not into dependencies, nor into packages' builds (an import of '@zhisuan/x' resolves to
    // packages/x/dist/, which is what the table rules match; dist's own imports are the same
    // imports again).
    doNotFollow: { path: ['(^|/)node_modules/', '^packages/[^/]+/dist/'] },
    // type-only imports count: they tie the packages' builds together all the same
    tsPreCompilationDeps: true,
    // the test-only entries (@zhisuan/domain/testing, @zhisuan/cli/testing) resolve by its paths
    tsConfig: { fileName: 'tsconfig.test.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['types', 'import', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs'],
      mainFields: ['types', 'module', 'main'],
    },
  },
}
