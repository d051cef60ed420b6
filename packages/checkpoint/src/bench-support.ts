import { spawn, spawnSync } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { createWriteStream, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { ZhisuanError } from '@zhisuan/domain'

const mib = 1024 * 1024

/** Shard files of incompressible bytes, written by a stream a mebibyte at a time. */
export async function makeShards(
  dir: string,
  shards: number,
  shardBytes: number,
): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const block = Buffer.alloc(mib)
  const names: string[] = []
  for (let s = 0; s < shards; s++) {
    const name = `rank-${String(s).padStart(3, '0')}.pt`
    randomFillSync(block)
    const blocks = function* (): Generator<Buffer> {
      for (let at = 0; at < shardBytes; at += mib) {
        block.writeUInt32LE(at / mib, 0)
        yield Buffer.from(block.subarray(0, Math.min(mib, shardBytes - at)))
      }
    }
    await pipeline(Readable.from(blocks()), createWriteStream(join(dir, name)))
    names.push(name)
  }
  return names
}

/** Flushes dirty pages, so that one measurement does not pay for the last one's writeback. */
export const sync = (): void => {
  spawnSync('sync')
}

/**
 * Times `work` after a `sync`, a pause and `warm()`. The pause: on virtual disks the writeback
 * of the last phase goes on below the guest for a while after `sync` returns, and slows
 * whatever runs next. `warm()`: on a VM whose balloon reports free pages to the host (as this
 * project's do), memory freed more than ~2 s ago faults on the host at its next use, and
 * writing 1 GiB of new page cache then costs 1–4 s instead of 0.4; which phase pays that
 * depended on what ran before it. A warm-up that writes and deletes as much page cache as the
 * phase will write, just before it, gives every phase the same freshly freed memory.
 */
export async function timed(
  work: () => Promise<void> | void,
  settleMs: number,
  warm: () => void = () => undefined,
): Promise<number> {
  sync()
  await sleep(settleMs)
  warm()
  const start = performance.now()
  await work()
  return (performance.now() - start) / 1000
}

export function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, [...args], { stdio: 'ignore' })
  if (result.status !== 0) {
    throw new ZhisuanError('internal', `${command} ${args.join(' ')} exited ${result.status ?? -1}`)
  }
}

/** An S3 endpoint for the benchmark, and the CPU seconds its server has used (when known). */
export interface BenchServer {
  readonly endpoint: string
  cpuSeconds(): number | undefined
  close(): Promise<void>
}

/** The CPU time (user + system) of a Linux process, from `/proc`; `undefined` elsewhere. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid ?? 'self'}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ')
    return (Number(fields?.[11]) + Number(fields?.[12])) / 100
  } catch {
    return undefined
  }
}

/** s3rver in a child process; resolves once it listens. */
export async function s3Child(directory: string, bucket: string): Promise<BenchServer> {
  const script = fileURLToPath(new URL('./s3-server-main.js', import.meta.url))
  const child = spawn(process.execPath, [script, directory, bucket], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  for await (const line of lines) {
    const { endpoint } = JSON.parse(line) as { endpoint: string }
    return {
      endpoint,
      cpuSeconds: () => processCpuSeconds(child.pid),
      close: () =>
        new Promise((resolve) => {
          child.once('exit', () => {
            resolve()
          })
          child.stdin.end()
        }),
    }
  }
  throw new ZhisuanError('internal', 's3rver did not start')
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** The phases of one round, each a function that returns its wall seconds. */
export interface Phases {
  readonly cp: () => Promise<number>
  readonly cpSync: () => Promise<number>
  readonly fileTier: () => Promise<number>
  readonly s3Single: () => Promise<number>
  readonly s3Concurrent: () => Promise<number>
  readonly s3Uploader: () => Promise<number>
}

/** Runs every phase `repeats` times, round-robin, and keeps each one's median. */
export async function measure(
  phases: Phases,
  repeats: number,
  log: (line: string) => void,
): Promise<Record<keyof Phases, number>> {
  const seconds: Record<keyof Phases, number[]> = {
    cp: [],
    cpSync: [],
    fileTier: [],
    s3Single: [],
    s3Concurrent: [],
    s3Uploader: [],
  }
  for (let round = 1; round <= repeats; round++) {
    for (const name of Object.keys(phases) as (keyof Phases)[]) {
      const s = await phases[name]()
      seconds[name].push(s)
      log(`round ${round}/${repeats}: ${name} ${s.toFixed(2)} s`)
    }
  }
  const medians = Object.entries(seconds).map(([name, values]) => [name, median(values)])
  return Object.fromEntries(medians) as Record<keyof Phases, number>
}
