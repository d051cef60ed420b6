import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { ZhisuanError, defaultCatalog } from '@zhisuan/domain'
import { startServer } from '@zhisuan/server'
import { failurePresets } from '@zhisuan/sim'
import { loadClusterFile } from '../load.js'
import { choiceOption, intOption, numberOption } from '../options.js'
import { plural } from '../numbers.js'
import type { Io } from '../output.js'

/** The small lab cluster `zhisuan up` runs when no cluster file is given. */
export const defaultClusterFile = fileURLToPath(
  new URL('../../../../examples/clusters/lab-64.yaml', import.meta.url),
)

/**
 * The built web console (`@zhisuan/console`'s `dist`), or undefined when it is not installed or
 * not built (then `up` serves the API only and says so).
 */
function consoleDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@zhisuan/console/package.json')
    const dir = join(dirname(pkg), 'dist')
    return existsSync(join(dir, 'index.html')) ? dir : undefined
  } catch {
    return undefined
  }
}

interface UpFlags {
  port?: string
  host?: string
  dataDir?: string
  store?: string
  durability?: string
  backend?: string
  cluster?: string
  twinSpeed?: string
  twinFailureRate?: string
  twinFailurePreset?: string
  twinRestart?: string
  twinCheckpointStall?: string
  slurmEnv?: string
  slurmMasterAddress?: string
  logLevel?: string
}

/**
 * Runs `zhisuan up` until SIGINT or SIGTERM: the control plane on the store, with the twin
 * backend, then a graceful shutdown (in-flight requests finish, the loop stops, the store closes).
 */
export async function runUp(io: Io, flags: UpFlags): Promise<void> {
  const port = intOption('--port', flags.port, 0) ?? 7070
  if (port > 65_535) {
    throw new ZhisuanError('invalid-input', `--port: expected 0–65535, got ${port}`)
  }
  const backend = choiceOption('--backend', flags.backend ?? 'twin', ['twin', 'slurm'] as const)
  const store = flags.store ?? 'sqlite'
  if (store !== 'sqlite' && !/^postgres(ql)?:\/\//.test(store)) {
    throw new ZhisuanError(
      'invalid-input',
      `--store: expected sqlite or a postgres://… URL, got "${store}"`,
    )
  }
  const level = choiceOption('--log-level', flags.logLevel ?? 'warn', [
    'fatal',
    'error',
    'warn',
    'info',
    'debug',
  ] as const)
  const durability = choiceOption('--durability', flags.durability ?? 'full', [
    'full',
    'normal',
  ] as const)
  const clusterFile = flags.cluster ?? defaultClusterFile
  const { cluster } = await loadClusterFile(clusterFile)
  const speed = numberOption('--twin-speed', flags.twinSpeed, 1e-3, 1e6) ?? 1
  const presetName = choiceOption(
    '--twin-failure-preset',
    flags.twinFailurePreset,
    Object.keys(failurePresets),
  )
  const preset = presetName === undefined ? undefined : failurePresets[presetName]
  const failureRate =
    numberOption('--twin-failure-rate', flags.twinFailureRate, 0, 1e6) ?? preset?.per1000PerDay
  const restartS = numberOption('--twin-restart', flags.twinRestart, 0, 86_400)
  const stallS = numberOption('--twin-checkpoint-stall', flags.twinCheckpointStall, 0, 86_400)
  const web = consoleDir()
  const server = await startServer({
    port,
    host: flags.host ?? '127.0.0.1',
    dataDir: flags.dataDir ?? '.zhisuan',
    store,
    durability,
    cluster,
    catalog: defaultCatalog(),
    twinSpeed: speed,
    backend,
    ...(flags.slurmEnv === undefined ? {} : { slurmEnv: flags.slurmEnv }),
    ...(flags.slurmMasterAddress === undefined
      ? {}
      : { slurmMasterAddress: flags.slurmMasterAddress }),
    ...(failureRate === undefined ? {} : { twinFailureRate: failureRate }),
    ...(preset === undefined ? {} : { twinFailureMix: preset.mix }),
    ...(restartS === undefined ? {} : { twinRestartS: restartS }),
    ...(stallS === undefined ? {} : { twinCheckpointStallS: stallS }),
    logger: { level },
    ...(web === undefined ? {} : { consoleDir: web }),
  })
  const accelerators = cluster.fabric.acceleratorCount
  io.out(
    [
      `Zhisuan control plane listening on ${server.url}`,
      `  store:   ${store === 'sqlite' ? `SQLite in ${flags.dataDir ?? '.zhisuan'}` : 'PostgreSQL'}`,
      backend === 'slurm'
        ? `  backend: Slurm (${flags.slurmEnv ?? '/var/lib/zhisuan-slurm/env'}) running ${cluster.name} (${plural(accelerators, 'accelerator')})`
        : `  backend: twin of ${cluster.name} (${plural(accelerators, 'accelerator')}, ×${speed} speed${restartS === undefined ? '' : `, ${restartS} s restart`}${stallS === undefined ? '' : `, ${stallS} s per checkpoint`})`,
      server.adminTokenFile === undefined
        ? '  admin token: issued on an earlier start (not shown again)'
        : `  admin token: written to ${server.adminTokenFile} (mode 0600; it is not printed)`,
      web === undefined
        ? '  console: not built (npm run build builds it)'
        : `  console: ${server.url}/ (sign in with the admin token or one an admin issues)`,
      `  API docs: ${server.url}/docs · metrics: ${server.url}/metrics`,
      'Ctrl-C stops it.',
    ].join('\n'),
  )
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      io.err(`zhisuan: ${signal}: finishing requests and stopping`)
      server.close().then(resolve, (error: unknown) => {
        io.err(`zhisuan: shutdown: ${String(error)}`)
        resolve()
      })
    }
    const onInt = () => {
      stop('SIGINT')
    }
    const onTerm = () => {
      stop('SIGTERM')
    }
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  })
}

export function registerUp(program: Command, io: Io): void {
  program
    .command('up')
    .description(
      'run the control plane: HTTP API, reconcile loop, store (SQLite or PostgreSQL), twin backend',
    )
    .option('--port <n>', 'port to listen on (0: any free one)', '7070')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'SQLite file and admin token', '.zhisuan')
    .option('--store <sqlite|url>', 'sqlite, or a postgres://… URL', 'sqlite')
    .option(
      '--durability <full|normal>',
      'full: an acknowledged write survives power loss (each commit synced; submissions arriving together share one); normal: it survives kill -9, but power or kernel failure may lose the last commits',
      'full',
    )
    .option('--backend <twin|slurm>', 'execution backend', 'twin')
    .option(
      '--slurm-env <file>',
      'the Slurm backend’s environment file (scripts/slurm/up.sh writes /var/lib/zhisuan-slurm/env)',
    )
    .option(
      '--slurm-master-address <addr>',
      'address ranks reach rank 0 at (default: the first node)',
    )
    .option(
      '--cluster <file>',
      'cluster file the twin runs (default: examples/clusters/lab-64.yaml)',
    )
    .option('--twin-speed <n>', 'simulated seconds per wall second on the twin', '1')
    .option(
      '--twin-failure-rate <r>',
      'random node failures per 1,000 accelerators per day on the twin',
    )
    .option(
      '--twin-failure-preset <name>',
      `failure causes (and rate, unless --twin-failure-rate) as zhisuan sim's: ${Object.keys(failurePresets).join(' | ')}; software faults restart jobs in place`,
    )
    .option(
      '--twin-restart <s>',
      'simulated seconds a restarted job restores on the twin before it works again (as zhisuan sim --restart; default 0)',
    )
    .option(
      '--twin-checkpoint-stall <s>',
      'simulated seconds each checkpoint stops a job on the twin (as zhisuan sim --stall; default 0)',
    )
    .option('--log-level <level>', 'fatal, error, warn, info or debug', 'warn')
    .action(async (flags: UpFlags) => {
      await runUp(io, flags)
    })
}
