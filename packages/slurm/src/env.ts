import { readFile } from 'node:fs/promises'
import { ZhisuanError } from '@zhisuan/domain'
import type { SlurmBackendOptions } from './backend-options.js'

/**
 * Reads a `KEY=VALUE` environment file such as the one `scripts/slurm/up.sh` writes
 * (`/var/lib/zhisuan-slurm/env`): one assignment a line, `#` comments, optional quotes.
 */
export async function readEnvFile(path: string): Promise<Readonly<Record<string, string>>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ZhisuanError('invalid-config', `cannot read the Slurm environment file ${path}`, {
      cause: error,
    })
  }
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_]\w*)=(.*)$/.exec(line)
    if (m?.[1] === undefined) {
      continue
    }
    const raw = (m[2] ?? '').trim()
    const quoted = /^(['"])(.*)\1$/.exec(raw)
    out[m[1]] = quoted?.[2] ?? raw
  }
  return out
}

/**
 * Backend options from an environment (`process.env`, or `readEnvFile` of up.sh's file):
 * `SLURMRESTD_URL`, `SLURM_JWT`, `SLURM_CONF` (required), `SLURM_USER` (default root),
 * `ZHISUAN_SLURM_PARTITION` (default gpu), `ZHISUAN_SLURM_WORK_DIR` (default
 * `$ZHISUAN_SLURM_DIR/jobs`, else /tmp/zhisuan-slurm-jobs), `ZHISUAN_SLURM_MASTER_ADDR`.
 * `overrides` win over all of them.
 */
export function slurmBackendOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<SlurmBackendOptions> = {},
): SlurmBackendOptions {
  const missing = ['SLURMRESTD_URL', 'SLURM_JWT', 'SLURM_CONF'].filter((k) => (env[k] ?? '') === '')
  if (missing.length > 0) {
    throw new ZhisuanError(
      'invalid-config',
      `the Slurm backend needs ${missing.join(', ')} (scripts/slurm/up.sh writes them to ` +
        `/var/lib/zhisuan-slurm/env)`,
    )
  }
  const stateDir = env['ZHISUAN_SLURM_DIR']
  const master = env['ZHISUAN_SLURM_MASTER_ADDR']
  return {
    url: env['SLURMRESTD_URL'] ?? '',
    token: env['SLURM_JWT'] ?? '',
    slurmConf: env['SLURM_CONF'] ?? '',
    user: env['SLURM_USER'] ?? 'root',
    partition: env['ZHISUAN_SLURM_PARTITION'] ?? 'gpu',
    workDir:
      env['ZHISUAN_SLURM_WORK_DIR'] ??
      (stateDir === undefined ? '/tmp/zhisuan-slurm-jobs' : `${stateDir}/jobs`),
    ...(master === undefined || master === '' ? {} : { masterAddress: master }),
    ...overrides,
  }
}
