import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// What the end-to-end tests on a real Slurm share: the dev cluster's env file and cluster file,
// and its commands. Switched on by ZHISUAN_TEST_SLURM_ENV (what scripts/slurm/up.sh writes);
// switched on and without a cluster they fail, never skip.
export const envFile = process.env['ZHISUAN_TEST_SLURM_ENV']
export const cluster = fileURLToPath(
  new URL('../../../examples/clusters/slurm-dev-8.yaml', import.meta.url),
)

/** The variables of the Slurm dev cluster's env file (SLURM_CONF, ZHISUAN_SLURM_RUN_DIR, …). */
export function slurmVars(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(envFile ?? '', 'utf8')
      .split('\n')
      .map((l) => /^(?:export\s+)?(\w+)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] ?? '', (m[2] ?? '').replace(/^['"]|['"]$/g, '')]),
  )
}

/** The environment Slurm's commands need to reach the dev cluster. */
export function slurmEnv(): NodeJS.ProcessEnv {
  return { ...process.env, SLURM_CONF: slurmVars()['SLURM_CONF'] ?? '' }
}

/** Zhisuan's jobs in Slurm's queue, `name|nodes|state` each, in the states asked (`-t …`). */
export function squeue(states: readonly string[] = []): string[] {
  return execFileSync('squeue', ['-h', '-o', '%j|%N|%T', ...states], {
    env: slurmEnv(),
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('zhisuan-'))
}

export const scontrol = (args: readonly string[]) =>
  execFileSync('scontrol', args, { env: slurmEnv(), encoding: 'utf8' })
