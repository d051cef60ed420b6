import { existsSync } from 'node:fs'
import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import {
  ZhisuanError,
  clusterNodes,
  defaultCatalog,
  type Cluster,
  type Pool,
} from '@zhisuan/domain'
import {
  Agent,
  NicSampler,
  acceptanceChecks,
  acceptanceMarkdown,
  defaultReader,
  detectNetParser,
  fabricMapOf,
  netParsers,
  networkAcceptance,
  networkSummary,
  parseNetwork,
  parseOutput,
  parsers,
  processRunner,
  type Candidate,
  type DeviceInventory,
  type NetToolName,
  type NicEvidence,
  type NicReport,
  type ToolName,
  withNetwork,
} from '@zhisuan/agent'
import { loadClusterFile, readInput } from '../load.js'
import { choiceOption } from '../options.js'
import type { Io } from '../output.js'
import { formatCount, plural } from '../numbers.js'
import { tableWidth } from '../table.js'
import { wrapWords } from '../text-width.js'
import { acceptanceTable, inventoryTable, networkTable } from './agent-tables.js'
import { api } from './client.js'
import { serverAndToken, untilSignalled } from './daemon.js'

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

/** Where Linux lists RDMA devices. */
const defaultSysfsRoot = '/sys/class/infiniband'

interface AgentFlags {
  server?: string
  token?: string
  node?: string
  interval: string
  sysfsRoot?: string
}

export function registerAgent(program: Command, io: Io): void {
  const agent = program
    .command('agent')
    .description('the node agent: report this node’s accelerators and health to the control plane')
    .option('--server <url>', 'control plane URL (env ZHISUAN_SERVER)')
    .option('--token <token>', 'this node’s token (env ZHISUAN_TOKEN)')
    .option('--node <name>', 'this node’s name in the cluster (default: the host name)')
    .option('--interval <d>', 'time between reports', '15s')
    .option(
      '--sysfs-root <dir>',
      'where the RDMA NICs are read, each port’s state and counters sampled every report (default: /sys/class/infiniband when it exists)',
    )
    .action(async (flags: AgentFlags) => {
      const { server, token } = serverAndToken(flags)
      const { hostname } = await import('node:os')
      const node = flags.node ?? hostname()
      const sysfsRoot =
        flags.sysfsRoot ?? (existsSync(defaultSysfsRoot) ? defaultSysfsRoot : undefined)
      if (sysfsRoot !== undefined && !existsSync(sysfsRoot)) {
        throw new ZhisuanError('not-found', `--sysfs-root: no directory ${sysfsRoot}`)
      }
      const nics = sysfsRoot === undefined ? undefined : new NicSampler({ root: sysfsRoot })
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
        ...(nics === undefined ? {} : { nics }),
      })
      io.out(
        `zhisuan agent for ${node} reporting to ${server} every ${flags.interval}` +
          (sysfsRoot === undefined ? '' : `, NICs from ${sysfsRoot}`),
      )
      runner.start()
      await untilSignalled(async () => {
        await runner.stop()
        nics?.close()
      })
    })

  agent
    .command('parse <file>')
    .description(
      'parse a saved output of a vendor accelerator tool or an RDMA NIC tool (ibstat, sysfs counters, ethtool -S, NCCL logs, …) into the normalized inventory',
    )
    .option(
      '--tool <name>',
      `the tool (default: detected): ${[...parsers, ...netParsers].map((p) => p.tool).join(', ')}`,
    )
    .option('--wide', 'every column (the bus id) and whole cells')
    .option('--json', 'the inventory as JSON')
    .action(async (file: string, flags: { tool?: string; json?: boolean; wide?: boolean }) => {
      const tool = choiceOption<ToolName | NetToolName>('--tool', flags.tool, [
        ...parsers.map((p) => p.tool),
        ...netParsers.map((p) => p.tool),
      ])
      const text = await readInput(file)
      const netTool = netParsers.find((p) => p.tool === tool)?.tool
      const accelerator = Math.max(...parsers.map((p) => p.detect(text)))
      const network = detectNetParser(text)
      if (netTool !== undefined || (tool === undefined && (network?.score ?? 0) > accelerator)) {
        const report = networkSummary(parseNetwork(text, netTool))
        io.out(
          flags.json === true
            ? JSON.stringify(report, null, 2)
            : networkTable(report, flags.wide === true),
        )
        return
      }
      const inventory = parseOutput(text, defaultCatalog(), tool as ToolName | undefined)
      io.out(
        flags.json === true
          ? JSON.stringify(inventory, null, 2)
          : inventoryTable(inventory, flags.wide === true),
      )
    })
}

interface NodeListItem {
  name: string
  health: string
  agent: { state: string }
}

export function registerAccept(program: Command, io: Io): void {
  /** A node's `<node>.txt`, any NIC tool's output `parseNetwork` reads; a missing file says so. */
  const nicReport = async (file: string): Promise<NicReport> => {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (cause) {
      const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT'
      return {
        kind: 'unreadable',
        reason: missing ? `no file ${file}` : `cannot read ${file}: ${(cause as Error).message}`,
      }
    }
    try {
      const report = parseNetwork(text)
      return { kind: 'parsed', tool: report.tool, ports: report.nics }
    } catch (error) {
      if (error instanceof ZhisuanError) {
        return { kind: 'unreadable', reason: `${file}: ${error.message}` }
      }
      throw error
    }
  }
  const nicEvidence = (dir: string, candidates: readonly Candidate[], cluster: Cluster) => {
    const blocks = new Map(clusterNodes(cluster).map((n) => [n.name, n.block]))
    return Promise.all(
      candidates.map(async (c): Promise<NicEvidence> => ({
        node: c.node,
        pool: c.pool,
        block: blocks.get(c.node),
        report: await nicReport(join(dir, `${c.node}.txt`)),
      })),
    )
  }
  const fabricMap = async (file: string) =>
    fabricMapOf(parseNetwork(await readInput(file, '--ibnetdiscover'), 'ibnetdiscover'))
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
    .option('--wide', 'whole reasons in the table (report.md has them too)')
    .option('--json', 'print the report as JSON')
    .option(
      '--nic-reports <dir>',
      'a NIC tool output per node, <dir>/<node>.txt (ibstat, ibv_devinfo, …): check every scale-out port Active at the pool’s rate, firmware, unique GUIDs',
    )
    .option(
      '--ibnetdiscover <file>',
      'ibnetdiscover --ports output: check each node’s ports land on its block’s leaf, rail by rail (needs --nic-reports)',
    )
    .action(
      async (flags: {
        cluster: string
        nodes?: string
        report: string
        dryRun?: boolean
        nicReports?: string
        ibnetdiscover?: string
        server?: string
        token?: string
        json?: boolean
        wide?: boolean
      }) => {
        const started = performance.now()
        if (flags.ibnetdiscover !== undefined && flags.nicReports === undefined) {
          throw new ZhisuanError(
            'invalid-input',
            '--ibnetdiscover needs --nic-reports: the nodes’ port GUIDs come from their NIC reports',
          )
        }
        if (flags.nicReports !== undefined) {
          // a mistyped directory must not drain the whole rack for want of reports
          await readdir(flags.nicReports).catch((cause: unknown) => {
            throw new ZhisuanError(
              'not-found',
              `--nic-reports: cannot read the directory ${flags.nicReports}: ${(cause as Error).message}`,
              { cause },
            )
          })
        }
        const { cluster } = await loadClusterFile(flags.cluster)
        const fabric =
          flags.ibnetdiscover === undefined ? undefined : await fabricMap(flags.ibnetdiscover)
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
        const checked = acceptanceChecks(candidates)
        const result =
          flags.nicReports === undefined
            ? checked
            : withNetwork(
                checked,
                networkAcceptance(
                  await nicEvidence(flags.nicReports, candidates, cluster),
                  cluster.fabric.spec,
                  fabric,
                ),
              )
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
                acceptanceTable(result, flags.wide === true),
                wrapWords(
                  `${formatCount(result.passed)} passed, ${formatCount(result.failed)} failed${flags.dryRun === true ? ' (dry run: no node changed)' : ': passing nodes admitted, failing ones drained with the reason'}; report in ${flags.report}/`,
                  tableWidth,
                ),
              ].join('\n'),
        )
        if (result.failed > 0) {
          throw new ZhisuanError(
            'invalid-input',
            `acceptance: ${plural(result.failed, 'node')} failed; see ${flags.report}/report.md`,
          )
        }
      },
    )
}
