import { readFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { ZhisuanError, defaultCatalog, type Pool } from '@zhisuan/domain'
import {
  Agent,
  acceptanceChecks,
  acceptanceMarkdown,
  defaultReader,
  parseOutput,
  parsers,
  processRunner,
  type Candidate,
  type DeviceInventory,
  type ToolName,
} from '@zhisuan/agent'
import {
  FileTier,
  HttpRegistryClient,
  S3Tier,
  Uploader,
  type DurableTier,
} from '@zhisuan/checkpoint'
import { loadClusterFile } from '../load.js'
import { choiceOption, intOption } from '../options.js'
import { table, type Io } from '../output.js'
import { api } from './client.js'
import { describeUploadEvent } from './upload-events.js'

/** `15s`, `2m`, `500ms` or plain seconds → milliseconds. */
function duration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim())
  const value = Number(m?.[1])
  if (m === null || !(value > 0)) {
    throw new ZhisuanError(
      'invalid-input',
      `${flag}: expected a duration such as 15s, 2m or 500ms, got "${text}"`,
    )
  }
  return m[2] === 'ms' ? value : m[2] === 'm' ? value * 60_000 : value * 1000
}

/** Prints a normalized inventory. */
function inventoryTable(inv: DeviceInventory): string {
  return [
    `${inv.vendor} · ${inv.tool}${inv.toolVersion === null ? '' : ` ${inv.toolVersion}`} · driver ${inv.driverVersion ?? '—'}`,
    table(
      ['#', 'model', 'catalog', 'memory MiB', 'bus', 'temp °C', 'power W', 'health'],
      inv.devices.map((d) => [
        d.index,
        d.model,
        d.catalogId ?? `— (${d.catalogReason})`,
        d.memoryTotalMiB ?? '—',
        d.busId ?? '—',
        d.temperatureC ?? '—',
        d.powerDrawW ?? '—',
        d.health.status === 'ok'
          ? 'ok'
          : `${d.health.status}: ${d.health.issues.map((i) => i.reason).join('; ')}`,
      ]),
    ),
    ...inv.warnings.map((w) => `warning: ${w}`),
  ].join('\n')
}

export function registerAgent(program: Command, io: Io): void {
  const agent = program
    .command('agent')
    .description('the node agent: report this node’s accelerators and health to the control plane')
    .option('--server <url>', 'control plane URL (env ZHISUAN_SERVER)')
    .option('--token <token>', 'this node’s token (env ZHISUAN_TOKEN)')
    .option('--node <name>', 'this node’s name in the cluster (default: the host name)')
    .option('--interval <d>', 'time between reports', '15s')
    .action(async (flags: { server?: string; token?: string; node?: string; interval: string }) => {
      const server = flags.server ?? process.env['ZHISUAN_SERVER']
      const token = flags.token ?? process.env['ZHISUAN_TOKEN']
      if (server === undefined || token === undefined) {
        throw new ZhisuanError(
          'invalid-input',
          'give --server and --token (or ZHISUAN_SERVER and ZHISUAN_TOKEN)',
        )
      }
      const { hostname } = await import('node:os')
      const node = flags.node ?? hostname()
      const runner = new Agent({
        server,
        token,
        node,
        intervalMs: duration('--interval', flags.interval),
        runner: processRunner,
        reader: defaultReader,
        catalog: defaultCatalog(),
        log: (m) => {
          io.err(`zhisuan agent: ${m}`)
        },
      })
      io.out(`zhisuan agent for ${node} reporting to ${server} every ${flags.interval}`)
      runner.start()
      await new Promise<void>((resolve) => {
        const stop = () => {
          void runner.stop().then(resolve)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })

  agent
    .command('parse <file>')
    .description('parse a vendor tool’s saved output into the normalized inventory')
    .option(
      '--tool <name>',
      `the tool (default: detected): ${parsers.map((p) => p.tool).join(', ')}`,
    )
    .option('--json', 'the inventory as JSON')
    .action(async (file: string, flags: { tool?: string; json?: boolean }) => {
      const tool = choiceOption<ToolName>(
        '--tool',
        flags.tool,
        parsers.map((p) => p.tool),
      )
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (cause) {
        throw new ZhisuanError('not-found', `cannot read ${file}: ${(cause as Error).message}`, {
          cause,
        })
      }
      const inventory = parseOutput(text, defaultCatalog(), tool)
      io.out(flags.json === true ? JSON.stringify(inventory, null, 2) : inventoryTable(inventory))
    })
}

interface NodeListItem {
  name: string
  health: string
  agent: { state: string }
}

export function registerAccept(program: Command, io: Io): void {
  program
    .command('accept')
    .description(
      'rack-to-training acceptance: check nodes’ agent reports against the cluster file, admit the good ones, cordon the rest',
    )
    .requiredOption('--cluster <file>', 'the cluster file the nodes belong to')
    .option('--nodes <names>', 'comma-separated nodes (default: every node with an agent report)')
    .option('--report <dir>', 'where report.md and report.json go', 'acceptance')
    .option('--dry-run', 'check and report, change no node')
    .option('--server <url>', 'control plane URL (env ZHISUAN_SERVER)')
    .option('--token <token>', 'an admin token (env ZHISUAN_TOKEN)')
    .option('--json', 'print the report as JSON')
    .action(
      async (flags: {
        cluster: string
        nodes?: string
        report: string
        dryRun?: boolean
        server?: string
        token?: string
        json?: boolean
      }) => {
        const started = performance.now()
        const { cluster } = await loadClusterFile(flags.cluster)
        const listed = ((await api(flags, 'GET', '/api/v1/nodes')) as { items: NodeListItem[] })
          .items
        const wanted =
          flags.nodes === undefined
            ? listed.filter((n) => n.agent.state !== 'none').map((n) => n.name)
            : flags.nodes.split(',').map((s) => s.trim())
        const unknown = wanted.filter((w) => !listed.some((n) => n.name === w))
        if (unknown.length > 0) {
          throw new ZhisuanError(
            'not-found',
            `--nodes: no node ${unknown.join(', ')} in the control plane`,
          )
        }
        const poolOf = (node: string): Pool | undefined =>
          [...cluster.pools]
            .sort((a, b) => b.name.length - a.name.length)
            .find((p) => node.startsWith(`${p.name}-`))
        const candidates: Candidate[] = []
        for (const node of wanted) {
          const item = listed.find((n) => n.name === node)
          let report: Candidate['report']
          try {
            const r = (await api(
              flags,
              'GET',
              `/api/v1/nodes/${encodeURIComponent(node)}/report`,
            )) as {
              report: { inventories: DeviceInventory[] }
            }
            report = r.report
          } catch (error) {
            if (!(error instanceof ZhisuanError && error.code === 'not-found')) {
              throw error
            }
          }
          candidates.push({ node, pool: poolOf(node), health: item?.health ?? 'unknown', report })
        }
        const result = acceptanceChecks(candidates)
        if (flags.dryRun !== true) {
          for (const n of result.nodes) {
            if (n.pass) {
              await api(flags, 'POST', `/api/v1/nodes/${encodeURIComponent(n.node)}/resume`)
            } else {
              await api(flags, 'POST', `/api/v1/nodes/${encodeURIComponent(n.node)}/drain`, {
                reason: `acceptance: ${n.reasons.join('; ')}`.slice(0, 512),
              })
            }
          }
        }
        const seconds = (performance.now() - started) / 1000
        await mkdir(flags.report, { recursive: true })
        await writeFile(
          join(flags.report, 'report.json'),
          `${JSON.stringify({ cluster: cluster.name, seconds, ...result }, null, 2)}\n`,
        )
        await writeFile(
          join(flags.report, 'report.md'),
          acceptanceMarkdown(result, cluster.name, seconds),
        )
        io.out(
          flags.json === true
            ? JSON.stringify(result, null, 2)
            : [
                table(
                  ['node', 'pool', 'verdict', 'accelerators', 'driver', 'reasons'],
                  result.nodes.map((n) => [
                    n.node,
                    n.pool ?? '—',
                    n.pass ? 'pass' : 'FAIL',
                    n.devices,
                    n.driverVersion ?? '—',
                    n.reasons.join('; '),
                  ]),
                ),
                `${result.passed} passed, ${result.failed} failed${flags.dryRun === true ? ' (dry run: no node changed)' : ': passing nodes admitted, failing ones drained with the reason'}; report in ${flags.report}/`,
              ].join('\n'),
        )
        if (result.failed > 0) {
          throw new ZhisuanError(
            'invalid-input',
            `acceptance: ${result.failed} ${result.failed === 1 ? 'node' : 'nodes'} failed; see ${flags.report}/report.md`,
          )
        }
      },
    )
}

interface UploadFlags {
  job: string
  dir: string
  tier: string
  s3Endpoint?: string
  s3Region?: string
  concurrency: string
  once?: boolean
  server?: string
  token?: string
}

/** `file:/path` or a plain path → a file tier; `s3://bucket/prefix` → an S3(-compatible) tier. */
function tierOf(flags: UploadFlags): DurableTier {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(flags.tier)
  if (s3 !== null) {
    return new S3Tier({
      bucket: s3[1] ?? '',
      ...(s3[2] === undefined || s3[2] === ''
        ? {}
        : { prefix: s3[2].endsWith('/') ? s3[2] : `${s3[2]}/` }),
      ...(flags.s3Endpoint === undefined
        ? {}
        : { endpoint: flags.s3Endpoint, forcePathStyle: true }),
      ...(flags.s3Region === undefined ? {} : { region: flags.s3Region }),
    })
  }
  if (flags.tier.startsWith('s3:')) {
    throw new ZhisuanError(
      'invalid-input',
      `--tier: expected s3://bucket/prefix, got "${flags.tier}"`,
    )
  }
  return new FileTier(flags.tier.replace(/^file:(\/\/)?/, ''))
}

export function registerCheckpoint(program: Command, io: Io): void {
  const checkpoint = program.command('checkpoint').description('a job’s checkpoints: upload, list')
  checkpoint
    .command('upload')
    .description(
      'stream a job’s finished local checkpoints to the durable tier, checksummed, and report them to the registry',
    )
    .requiredOption('--job <id>', 'the Zhisuan job id')
    .requiredOption(
      '--dir <dir>',
      'the job’s local checkpoint directory (<dir>/<checkpoint>/manifest.json last)',
    )
    .requiredOption('--tier <target>', 'a directory (file tier) or s3://bucket/prefix')
    .option('--s3-endpoint <url>', 'an S3-compatible endpoint (MinIO, Ceph, …)')
    .option('--s3-region <region>', 'the S3 region')
    .option('--concurrency <n>', 'shards streamed at once', '4')
    .option('--once', 'one pass over the directory, then exit')
    .option('--server <url>', 'control plane URL (env ZHISUAN_SERVER)')
    .option('--token <token>', 'a token of the job’s tenant or node (env ZHISUAN_TOKEN)')
    .action(async (flags: UploadFlags) => {
      process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true'
      const server = flags.server ?? process.env['ZHISUAN_SERVER']
      const token = flags.token ?? process.env['ZHISUAN_TOKEN']
      if (server === undefined || token === undefined) {
        throw new ZhisuanError(
          'invalid-input',
          'give --server and --token (or ZHISUAN_SERVER and ZHISUAN_TOKEN)',
        )
      }
      const uploader = new Uploader({
        jobId: flags.job,
        root: flags.dir,
        registry: new HttpRegistryClient(server, token),
        tier: tierOf(flags),
        concurrency: intOption('--concurrency', flags.concurrency) ?? 4,
        onEvent: (e) => {
          io.err(`zhisuan checkpoint: ${describeUploadEvent(e)}`)
        },
      })
      if (flags.once === true) {
        await uploader.pass()
        io.out(JSON.stringify(uploader.stats(), null, 2))
        return
      }
      uploader.start()
      await new Promise<void>((resolve) => {
        const stop = () => {
          void uploader.stop().then(resolve)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      io.out(JSON.stringify(uploader.stats(), null, 2))
    })

  checkpoint
    .command('list <job>')
    .description('a job’s checkpoints, newest first, and the recommended interval')
    .option('--server <url>', 'control plane URL (env ZHISUAN_SERVER)')
    .option('--token <token>', 'bearer token (env ZHISUAN_TOKEN)')
    .option('--json', 'as JSON')
    .action(async (job: string, flags: { server?: string; token?: string; json?: boolean }) => {
      const list = (await api(
        flags,
        'GET',
        `/api/v1/jobs/${encodeURIComponent(job)}/checkpoints`,
      )) as {
        items: {
          id: string
          step: number
          state: string
          totalBytes: number
          committedAt: number | null
        }[]
      }
      const plan = (await api(
        flags,
        'GET',
        `/api/v1/jobs/${encodeURIComponent(job)}/checkpoints/plan`,
      )) as {
        recommendedIntervalS: number | null
        expectedEttr: number
        saveSecondsSource: string
        failureRateSource: string
      }
      if (flags.json === true) {
        io.out(JSON.stringify({ ...list, plan }, null, 2))
        return
      }
      io.out(
        [
          table(
            ['id', 'step', 'state', 'bytes', 'committed at'],
            list.items.map((c) => [
              c.id,
              c.step,
              c.state,
              c.totalBytes,
              c.committedAt === null ? '—' : new Date(c.committedAt * 1000).toISOString(),
            ]),
          ),
          `recommended interval ${plan.recommendedIntervalS === null ? '— (no failures expected)' : `${Math.round(plan.recommendedIntervalS / 60)} min`} · expected ETTR ${(plan.expectedEttr * 100).toFixed(1)}% (save time ${plan.saveSecondsSource}, failure rate ${plan.failureRateSource})`,
        ].join('\n'),
      )
    })
}
