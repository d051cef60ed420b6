import { execFile } from 'node:child_process'
import { ZhisuanError, type Catalog } from '@zhisuan/domain'
import type { DeviceInventory, HealthIssue } from './inventory.js'

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
    const report = await collect(this.options.runner, this.options.reader, this.options.catalog)
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
