import { execFile } from 'node:child_process'
import { ZhisuanError } from '@zhisuan/domain'

/** Runs a program with arguments (no shell); resolves with its stdout. */
export type ExecFn = (
  file: string,
  args: readonly string[],
  options: { readonly env: NodeJS.ProcessEnv; readonly timeoutMs: number },
) => Promise<{ readonly stdout: string; readonly stderr: string }>

export interface ScontrolOptions {
  /** slurm.conf of the cluster, passed as `SLURM_CONF`. */
  readonly slurmConf: string
  /** The scontrol program; default `scontrol` on PATH. */
  readonly binary?: string
  /** Milliseconds before one scontrol run is killed; default 15,000. */
  readonly timeoutMs?: number
  /** How to run it (tests pass a fake); default `execFile`. */
  readonly exec?: ExecFn
}

/** `execFile` as a promise, with scontrol's stderr in the error. */
export const execFileAsync: ExecFn = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { env: options.env, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          const failed: Error = Object.assign(error, { stdout, stderr })
          reject(failed)
          return
        }
        resolve({ stdout, stderr })
      },
    )
  })

/**
 * The operations slurmrestd v0.0.38 has no call for (drain, resume, requeue), through the
 * `scontrol` command on a host that can reach slurmctld. Arguments go to execFile one by one
 * (no shell), so a reason may hold any text.
 */
export class Scontrol {
  constructor(private readonly options: ScontrolOptions) {}

  /** `scontrol update nodename=… state=drain reason=…`: no new work on the nodes. */
  async drain(nodes: string | readonly string[], reason: string): Promise<void> {
    if (reason.trim() === '') {
      throw new ZhisuanError('invalid-input', 'Slurm needs a reason to drain a node')
    }
    await this.run(['update', `nodename=${list(nodes)}`, 'state=drain', `reason=${reason}`])
  }

  /** `scontrol update nodename=… state=resume`: back in service (Slurm clears the reason). */
  async resume(nodes: string | readonly string[]): Promise<void> {
    await this.run(['update', `nodename=${list(nodes)}`, 'state=resume'])
  }

  /**
   * `scontrol requeue <id>`, the reason in the job's admin comment, and its start time reset
   * to now (otherwise a requeued job waits ~2 minutes before it is eligible again).
   */
  async requeue(jobId: number, reason: string): Promise<void> {
    await this.run(['requeue', String(jobId)])
    await this.run(['update', `jobid=${jobId}`, `AdminComment=${reason}`, 'StartTime=now'])
  }

  /** `scontrol show node <name>` as key → value (`State`, `Reason`, …). */
  async showNode(node: string): Promise<Readonly<Record<string, string>>> {
    return parseScontrolRecord(await this.run(['show', 'node', node]))
  }

  /** Runs scontrol with the arguments; its stdout. */
  async run(args: readonly string[]): Promise<string> {
    const binary = this.options.binary ?? 'scontrol'
    const exec = this.options.exec ?? execFileAsync
    try {
      const { stdout } = await exec(binary, args, {
        env: { ...process.env, SLURM_CONF: this.options.slurmConf },
        timeoutMs: this.options.timeoutMs ?? 15_000,
      })
      return stdout
    } catch (error) {
      const e = error as { stderr?: unknown; code?: unknown; killed?: unknown; message?: string }
      const stderr = typeof e.stderr === 'string' ? e.stderr.trim() : ''
      const said = stderr !== '' ? stderr : (e.message ?? String(error))
      const command = `scontrol ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`
      if (e.code === 'ENOENT') {
        throw new ZhisuanError('unavailable', `${command}: ${binary} not found`, { cause: error })
      }
      const code = /Invalid node name|Invalid job id|not found/i.test(said)
        ? 'not-found'
        : /Unable to contact|Connection refused|timed out|Socket timed out/i.test(said) ||
            e.killed === true
          ? 'unavailable'
          : 'invalid-input'
      throw new ZhisuanError(code, `${command} failed: ${said}`, { cause: error })
    }
  }
}

function list(nodes: string | readonly string[]): string {
  const names = typeof nodes === 'string' ? [nodes] : nodes
  if (names.length === 0 || names.some((n) => n === '' || /[\s=]/.test(n))) {
    throw new ZhisuanError('invalid-input', `bad node names for scontrol: ${JSON.stringify(names)}`)
  }
  return names.join(',')
}

/**
 * Parses one `scontrol show` record (`Key=Value Key=Value …`, over several lines). A value
 * runs to the next ` Key=`; `Reason` takes the rest of its line (it may hold spaces).
 */
export function parseScontrolRecord(text: string): Readonly<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim()
    if (line === '') {
      continue
    }
    if (line.startsWith('Reason=')) {
      out['Reason'] = line.slice('Reason='.length)
      continue
    }
    const re = /(?:^|\s)([A-Za-z][\w:/.]*)=/g
    const keys: { key: string; start: number; valueStart: number }[] = []
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const key = m[1] ?? ''
      keys.push({ key, start: m.index, valueStart: m.index + m[0].length })
    }
    keys.forEach((k, i) => {
      const end = keys[i + 1]?.start ?? line.length
      out[k.key] = line.slice(k.valueStart, end).trim()
    })
  }
  return out
}
