// Generates src/generated/slurmrestd.ts from the committed slurmrestd OpenAPI document with
// openapi-typescript, then formats it with the repository's Prettier settings.
//
//   node packages/slurm/scripts/generate.js           write the file
//   node packages/slurm/scripts/generate.js --check   exit 1 when the committed file is stale
import { readFile, writeFile } from 'node:fs/promises'
import openapiTS, { astToString } from 'openapi-typescript'
import prettier from 'prettier'

const spec = new URL('../openapi/slurmrestd-v0.0.38.json', import.meta.url)
const target = new URL('../src/generated/slurmrestd.ts', import.meta.url)

const header = `// GENERATED FILE, do not edit. Types of slurmrestd's REST API (Slurm 22.05, OpenAPI plugin
// v0.0.38), made by openapi-typescript from packages/slurm/openapi/slurmrestd-v0.0.38.json.
// Regenerate with:  node packages/slurm/scripts/generate.js
// (check with --check). Where the document is wrong, src/api.ts corrects these types by hand.
`

// defaultNonNullable: false keeps fields that only have a default value optional (the document
// gives open_mode and oversubscribe defaults; the server does not require them).
const ast = await openapiTS(spec, { defaultNonNullable: false, immutable: true })
const config = (await prettier.resolveConfig(target.pathname)) ?? {}
const text = await prettier.format(header + '\n' + astToString(ast), {
  ...config,
  parser: 'typescript',
})

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '')
  if (current !== text) {
    console.error(
      'src/generated/slurmrestd.ts is stale: run node packages/slurm/scripts/generate.js',
    )
    process.exit(1)
  }
  console.log('src/generated/slurmrestd.ts is up to date')
} else {
  await writeFile(target, text)
  console.log(`wrote ${target.pathname}`)
}
