// Runs every bench/*.bench.js (or those whose name holds the argument, *.slurm-bench.js too) in its own Node process (clean heap, --expose-gc) and stops on
// the first failure. Each bench prints its figures and the targets it checks.
import { readdirSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../bench/', import.meta.url))
const only = process.argv[2]
const files = readdirSync(dir)
  // *.slurm-bench.js need root and a Slurm they start: only when named (npm run bench -- NAME)
  .filter((f) =>
    only === undefined
      ? f.endsWith('.bench.js')
      : /\.(slurm-)?bench\.js$/.test(f) && f.includes(only),
  )
  .sort()
let failed = 0
for (const [i, file] of files.entries()) {
  console.log(`\n[${i + 1}/${files.length}] ${file}`)
  const result = spawnSync(process.execPath, ['--expose-gc', dir + file], { stdio: 'inherit' })
  if (result.status !== 0) {
    failed++
  }
}
console.log(`\n${files.length - failed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
