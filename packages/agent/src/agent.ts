import { execFile } from 'node:child_process'
import { ZhisuanError, type Catalog } from '@zhisuan/domain'
import type { DeviceInventory, HealthIssue } from './inventory.js'
import { NicHealthTracker, type NodeNicHealth } from './network/nic-health-tracker.js'
import type { NicSample } from './network/sampler.js'
import type { NetPortHealth, NicPort, NodeNetworkReport } from './network/types.js'

/** Runs a command; `undefined` when it is not installed. Tests pass one that replays fixtures. */
export type CommandRunner = (
  command: string,
  args: readonly string[],
) => Promise<{ readonly code: number; readonly stdout: string } | undefined>

/** The commands the agent tries on every pass, one per vendor tool, and the kernel log. */
export const toolCommands: readonly {
  readonly command: string
  readonly args: readonly string[]
}[] = [
  { command: 'nvidia-smi', args: ['-q', '-x'] },
  { command: 'npu-smi', args: ['info'] },
  { command: 'rocm-smi', args: ['--showallinfo', '--json'] },
  { command: 'hy-smi', args: [] },
  { command: 'cnmon', args: [] },
  { command: 'xpu_smi', args: [] },
  { command: 'ixsmi', args: [] },
  { command: 'efsmi', args: [] },
  { command: 'mx-smi', args: [] },
  { command: 'mthreads-gmi', args: [] },
]

/** The kernel log, where NVIDIA Xid and other driver faults show. */
export const kernelLogCommand = { command: 'dmesg', args: ['--kernel', '--nopager'] } as const

/** The real runner: `execFile` with a timeout and bounded output; a missing tool is `undefined`. */
export const processRunner: CommandRunner = (command, args) =>
  new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { timeout: 20_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout) => {
        if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve(undefined)
          return
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        resolve({ code, stdout })
      },
    )
  })

/** What turns tool output into inventories and kernel-log findings (the parser registry). */
export interface OutputReader {
  inventory(text: string, catalog: Catalog): DeviceInventory
  kernelLog(text: string): readonly HealthIssue[]
}

/** A node's report, as `POST /api/v1/nodes/{name}/report` takes it. */
export interface NodeReportBody {
  readonly agentVersion: string
  readonly inventories: readonly DeviceInventory[]
  readonly issues: readonly HealthIssue[]
  /** The node's RDMA ports and their health (issue #21), when the agent samples its NICs. */
  readonly network?: NodeNetworkReport
}

/** The most ports and warnings a report carries (the server refuses more). */
const maxPorts = 256
const maxWarnings = 64

/**
 * A tracker's verdicts as the report carries them: one entry per port (a device-wide counter
 * set, `mlx5_0`, is port 0), its link layer and rate from the sample, and what kind of trouble
 * the worst finding was (`state` when the port's state alone is the trouble).
 */
export function networkReportOf(
  health: NodeNicHealth,
  sample: Pick<NicSample, 'nics' | 'warnings'>,
): NodeNetworkReport {
  const nics = new Map<string, NicPort>(sample.nics.map((n) => [`${n.device}/${n.port}`, n]))
  const ports = health.ports.slice(0, maxPorts).map((p): NetPortHealth => {
    const nic = nics.get(p.port)
    const worst = p.findings.find((f) => f.health === p.verdict.health)
    const entry: NetPortHealth = {
      device: p.verdict.device.slice(0, 128),
      port: p.verdict.port ?? 0,
      linkLayer: nic?.linkLayer ?? null,
      rateGbps: nic?.rateGbps ?? null,
      health: p.verdict.health,
      reason: p.verdict.reason.slice(0, 1024),
    }
    return p.verdict.health === 'healthy' ? entry : { ...entry, kind: worst?.kind ?? 'state' }
  })
  const warnings = sample.warnings.slice(0, maxWarnings).map((w) => w.slice(0, 1024))
  if (health.ports.length > maxPorts) {
    warnings.push(`${health.ports.length - maxPorts} port(s) left out: at most ${maxPorts}`)
  }
  return { ports, warnings }
}

/** What the agent samples NICs with: a `NicSampler`, or a test's stand-in. */
export interface NicSource {
  sample(): NicSample
}

export const agentVersion = '0.1.0'

/**
 * One collection pass: runs every vendor tool that exists, parses what it prints, and reads the
 * kernel log. A tool that prints what no parser reads is a finding (degraded), not a crash.
 */
export async function collect(
  runner: CommandRunner,
  reader: OutputReader,
  catalog: Catalog,
): Promise<NodeReportBody> {
  const inventories: DeviceInventory[] = []
  const issues: HealthIssue[] = []
  for (const { command, args } of toolCommands) {
    const result = await runner(command, args)
    if (result === undefined) {
      continue
    }
    if (result.code !== 0 && result.stdout.trim() === '') {
      issues.push({
        status: 'degraded',
        action: 'none',
        reason: `${command} exited ${result.code} without output`,
        source: command,
      })
      continue
    }
    try {
      inventories.push(reader.inventory(result.stdout, catalog))
    } catch (error) {
      issues.push({
        status: 'degraded',
        action: 'none',
        reason: `cannot read ${command} output: ${error instanceof Error ? error.message : String(error)}`,
        source: command,
      })
    }
  }
  const log = await runner(kernelLogCommand.command, kernelLogCommand.args)
  if (log !== undefined && log.code === 0) {
    issues.push(...reader.kernelLog(log.stdout))
  }
  return { agentVersion, inventories, issues }
}

export interface AgentOptions {
  readonly server: string
  readonly token: string
  readonly node: string
  readonly intervalMs: number
  readonly runner: CommandRunner
  readonly reader: OutputReader
  readonly catalog: Catalog
  readonly log: (message: string) => void
  /** Longest wait between retries while the server is down; default 60 s. */
  readonly maxBackoffMs?: number
  /** The node's RDMA NICs (a `NicSampler` on `/sys/class/infiniband`); none: no `network`. */
  readonly nics?: NicSource
  /**
   * How long a port that failed is still reported failed, by the samples' clock; default 10
   * minutes (an ESTIMATE: long enough for an operator or the restarted gang to notice, short
   * enough that a one-off flap does not keep a node out for long). A flap shows in one window
   * only: without the hold, the node would be back in service one report later.
   */
  readonly nicFailHoldMs?: number
}

/**
 * The agent loop: collect, report, wait. While the server is down it retries with exponential
 * backoff and keeps only the newest report (memory stays bounded however long the outage).
 */
export class Agent {
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private failures = 0
  private running: Promise<void> | undefined
  /** Reports sent and failed, for tests and the log. */
  readonly stats = { sent: 0, failed: 0 }
  /** Judges each NIC sample against the previous one: rates need two samples. */
  private readonly tracker = new NicHealthTracker()
  /** Ports reported failed, and the sample time they last were: held failed a while. */
  private readonly heldFailed = new Map<string, { at: number; entry: NetPortHealth }>()
  /** The report last built, for tests and the log. */
  lastReport: NodeReportBody | undefined

  constructor(private readonly options: AgentOptions) {}

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
    }
    await this.running
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined
        if (!this.stopped) {
          const backoff = Math.min(
            this.options.maxBackoffMs ?? 60_000,
            this.failures === 0 ? this.options.intervalMs : 1000 * 2 ** Math.min(this.failures, 16),
          )
          this.schedule(backoff)
        }
      })
    }, ms)
  }

  /** One pass: collect and send. */
  async pass(): Promise<void> {
    const collected = await collect(this.options.runner, this.options.reader, this.options.catalog)
    const report = { ...collected, ...this.network() }
    this.lastReport = report
    try {
      await sendReport(this.options.server, this.options.token, this.options.node, report)
      this.failures = 0
      this.stats.sent++
    } catch (error) {
      this.failures++
      this.stats.failed++
      this.options.log(
        `report for ${this.options.node} failed (${this.failures} in a row): ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }

  /** A port that failed less than the hold ago stays failed, saying when it failed. */
  private hold(entry: NetPortHealth, at: number): NetPortHealth {
    const key = `${entry.device}/${entry.port}`
    if (entry.health === 'failed') {
      this.heldFailed.set(key, { at, entry })
      return entry
    }
    const held = this.heldFailed.get(key)
    const holdMs = this.options.nicFailHoldMs ?? 600_000
    if (held === undefined || at - held.at >= holdMs) {
      this.heldFailed.delete(key)
      return entry
    }
    const ago = `${Math.round((at - held.at) / 1000)} s ago, held failed for ${Math.round(holdMs / 1000)} s`
    return { ...held.entry, reason: `${held.entry.reason} (${ago})`.slice(0, 1024) }
  }

  /** One NIC sample, judged; a sampler that throws is a warning, not a lost report. */
  private network(): { network?: NodeNetworkReport } {
    const nics = this.options.nics
    if (nics === undefined) {
      return {}
    }
    try {
      const sample = nics.sample()
      const report = networkReportOf(this.tracker.observe(sample), sample)
      return { network: { ...report, ports: report.ports.map((p) => this.hold(p, sample.at)) } }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      return { network: { ports: [], warnings: [`cannot sample NICs: ${message}`.slice(0, 1024)] } }
    }
  }
}

/**
 * Sends one report.
 * @throws ZhisuanError `unavailable` when the server cannot be reached or answers 5xx,
 * `unauthorized`/`forbidden`/`invalid-input` for a 4xx.
 */
export async function sendReport(
  server: string,
  token: string,
  node: string,
  report: NodeReportBody,
): Promise<{ health: string; reason: string }> {
  let response: Response
  try {
    response = await fetch(
      `${server.replace(/\/$/, '')}/api/v1/nodes/${encodeURIComponent(node)}/report`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(10_000),
      },
    )
  } catch (cause) {
    throw new ZhisuanError('unavailable', `cannot reach ${server}: ${(cause as Error).message}`, {
      cause,
    })
  }
  const text = await response.text()
  if (!response.ok) {
    const code =
      response.status === 401
        ? 'unauthorized'
        : response.status === 403
          ? 'forbidden'
          : response.status >= 500
            ? 'unavailable'
            : 'invalid-input'
    throw new ZhisuanError(code, `${response.status}: ${text.slice(0, 500)}`)
  }
  return JSON.parse(text) as { health: string; reason: string }
}
