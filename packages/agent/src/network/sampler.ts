import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import {
  counterDirs,
  counterName,
  deviceFiles,
  fixedPort,
  physicalStateOf,
  portStateOf,
  rateGbpsOf,
  type NicFixed,
} from './sysfs-port.js'
import type { CounterSample, NicPort } from './types.js'

/**
 * How the sampler reads a file on each sample. `pread`: every file is opened once, at
 * discovery, and read at offset 0 each time (one system call; sysfs makes the value afresh on a
 * read at offset 0, as `seq_read_iter` restarts there). `read-file`: `readFileSync` each time
 * (open, fstat, read, close). `bench/network-sampling.bench.js` measured read-file at 3–4.2
 * times pread's CPU per sample (BENCHMARKS.md), so pread is the default; it holds one
 * descriptor per file (392 for 8 mlx5 ports), well under the limit Node raises at start.
 */
export type CounterReadStrategy = 'pread' | 'read-file'

export interface NicSamplerOptions {
  /** The tree to read; default `/sys/class/infiniband`. Tests pass a directory they built. */
  readonly root?: string
  readonly read?: CounterReadStrategy
  /** Milliseconds since the epoch, stamped on each sample; default `Date.now`. */
  readonly clock?: () => number
}

/** A port (or a device's own counters) that was read before and could not be read now. */
export interface LostPort {
  /** `mlx5_3/1`, or `mlx5_3` for device-wide counters. */
  readonly port: string
  /** What the read said (`ENOENT: no such file or directory, open …`). */
  readonly reason: string
}

/** One reading of every RDMA port of the node. */
export interface NicSample {
  /** When it was read, milliseconds since the epoch (the sampler's clock). */
  readonly at: number
  readonly nics: readonly NicPort[]
  /** One per port (`mlx5_0/1`), and one per device with device-wide `hw_counters` (`mlx5_0`). */
  readonly counters: readonly CounterSample[]
  /** Ports read by an earlier sample that are gone now: the device was removed or reset. */
  readonly lost: readonly LostPort[]
  readonly warnings: readonly string[]
}

/** One file of the tree, with its descriptor when it is kept open. */
interface SysFile {
  readonly path: string
  fd: number | null
}

interface CounterFile extends SysFile {
  readonly name: string
}

/** What a sample reads of one port: its attributes, then its counters. */
interface PortFiles {
  /** `mlx5_0/1`; the device alone for device-wide counters. */
  readonly key: string
  /** What does not change while the port exists, read at discovery; null for device-wide counters. */
  readonly fixed: NicFixed | null
  readonly state: SysFile | null
  readonly physicalState: SysFile | null
  readonly rate: SysFile | null
  counters: CounterFile[]
}

const dirsOf = (port: string): [string, string][] => counterDirs.map((d) => [d, `${port}/${d}`])

/** Errors that say the file, and so the device, is gone: a rediscovery follows. */
const goneCodes = new Set(['ENOENT', 'ENODEV', 'ENXIO'])

/**
 * Reads NIC counters straight from `/sys/class/infiniband` (issue #21), cheaply enough to run
 * at 1 Hz: the tree is walked once, and again on `rediscover()`, when the list of devices
 * changes or when a read fails because a device went away; each `sample()` lists the devices
 * (one readdir) and reads only each port's `state`, `phys_state`, `rate` and
 * its counter files (`counters/`, `counters_ext/`, `hw_counters/`, and device-wide
 * `hw_counters/`). Counters are named as `sysfs-infiniband.ts` names them, unknown ones kept.
 * A device that disappears is in the sample's `lost`, not an exception.
 * @example
 * const sampler = new NicSampler()
 * const tracker = new NicHealthTracker()
 * setInterval(() => report(tracker.observe(sampler.sample())), 1000)
 */
export class NicSampler {
  private readonly root: string
  private readonly strategy: CounterReadStrategy
  private readonly clock: () => number
  /** The devices the ports were discovered under, and the ports; empty before the first. */
  private devices: readonly string[] = []
  private ports: PortFiles[] = []
  private stale = true
  private discoveryWarnings: string[] = []
  /** Shared by every pread: sysfs gives at most a page per file. */
  private readonly buffer = Buffer.allocUnsafe(4096)

  constructor(options: NicSamplerOptions = {}) {
    this.root = (options.root ?? '/sys/class/infiniband').replace(/\/$/, '')
    this.strategy = options.read ?? 'pread'
    this.clock = options.clock ?? Date.now
  }

  /** Walks the tree again on the next sample (a port added to a device already known). */
  rediscover(): void {
    this.stale = true
  }

  /** Closes the files kept open; a later `sample()` discovers again. */
  close(): void {
    for (const p of this.ports) {
      for (const f of [p.state, p.physicalState, p.rate, ...p.counters]) {
        if (f !== null && f.fd !== null) {
          closeSync(f.fd)
          f.fd = null
        }
      }
    }
    this.stale = true
  }

  /**
   * Reads every known port once. A device added or removed since the last sample is seen at
   * once (the root is listed each time); a port that cannot be read because its files are gone (a
   * kept descriptor answers ENODEV once sysfs removed the device) makes it walk the tree again
   * and read once more. Never throws for a port or device that went away.
   */
  sample(): NicSample {
    const at = this.clock()
    const lost = new Map<string, string>()
    const devices = listDir(this.root)
    if (this.stale || !sameNames(devices, this.devices)) {
      this.discover(devices, lost)
    }
    let result = this.readAll(this.ports)
    const readWarnings = [...result.warnings]
    if (result.gone.size > 0) {
      result.gone.forEach((reason, port) => lost.set(port, reason))
      this.discover(listDir(this.root), lost)
      result = this.readAll(this.ports)
      result.gone.forEach((reason, port) => lost.set(port, reason))
      // still failing: walk the tree again next time rather than trust these files
      this.stale ||= result.gone.size > 0
      readWarnings.push(...result.warnings)
    }
    const read = new Set(result.counters.map((c) => c.port))
    result.nics.forEach((n) => read.add(`${n.device}/${n.port}`))
    return {
      at,
      nics: result.nics,
      counters: result.counters,
      lost: [...lost]
        .filter(([port]) => !read.has(port))
        .map(([port, reason]) => ({ port, reason })),
      warnings: [...this.discoveryWarnings, ...readWarnings],
    }
  }

  /** Walks the tree under `devices`; ports known before and not found now go into `lost`. */
  private discover(devices: readonly string[], lost: Map<string, string>): void {
    const before = this.ports.map((p) => p.key)
    this.close()
    const warnings: string[] = []
    this.ports = devices.flatMap((device) => this.discoverDevice(device, warnings))
    this.devices = devices
    this.stale = false
    if (this.ports.length === 0) {
      warnings.push(`${this.root}: no RDMA device`)
    }
    this.discoveryWarnings = warnings
    const now = new Set(this.ports.map((p) => p.key))
    for (const key of before) {
      if (!now.has(key) && !lost.has(key)) {
        lost.set(key, `no longer in ${this.root}`)
      }
    }
  }

  private discoverDevice(device: string, warnings: string[]): PortFiles[] {
    const dir = `${this.root}/${device}`
    const portNumbers = listDir(`${dir}/ports`)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n >= 0)
      .sort((a, b) => a - b)
    const read = new Map(deviceFiles.map((name) => [name, readText(`${dir}/${name}`) ?? undefined]))
    const result: PortFiles[] = portNumbers.map((port) => {
      const at = `${dir}/ports/${port}`
      const key = `${device}/${port}`
      return {
        key,
        fixed: fixedPort(device, port, portNumbers.length, (name) => read.get(name), {
          linkLayer: readText(`${at}/link_layer`) ?? undefined,
          gid0: readText(`${at}/gids/0`) ?? undefined,
          ndev0: readText(`${at}/gid_attrs/ndevs/0`) ?? undefined,
        }),
        state: this.file(`${at}/state`),
        physicalState: this.file(`${at}/phys_state`),
        rate: this.file(`${at}/rate`),
        counters: this.counterFiles(key, dirsOf(at), warnings),
      }
    })
    const wide = this.counterFiles(device, [['hw_counters', `${dir}/hw_counters`]], warnings)
    const attrs = { fixed: null, state: null, physicalState: null, rate: null }
    return wide.length === 0 ? result : [...result, { key: device, ...attrs, counters: wide }]
  }

  /** The counter files of a port; those that hold no number (i40iw's `N/A (no PMA)`) left out. */
  private counterFiles(
    key: string,
    dirs: readonly (readonly [string, string])[],
    warnings: string[],
  ): CounterFile[] {
    const files: CounterFile[] = []
    const names = new Set<string>()
    let notNumbers = 0
    for (const [dirName, dir] of dirs) {
      for (const file of listDir(dir)) {
        const name = counterName(dirName, file, (n) => names.has(n))
        if (name === null) {
          continue
        }
        const path = `${dir}/${file}`
        const text = readText(path)
        if (text === null || numberOf(Buffer.from(text, 'latin1'), text.length) === null) {
          notNumbers += text === null ? 0 : 1
          continue
        }
        const opened = this.file(path)
        if (opened === null) {
          continue
        }
        names.add(name)
        files.push({ ...opened, name })
      }
    }
    if (notNumbers > 0) {
      warnings.push(`${key}: ${notNumbers} counter file(s) hold no number and are not sampled`)
    }
    return files
  }

  /** A file to read on each sample; null when it cannot be opened (a port without `rate`). */
  private file(path: string): SysFile | null {
    try {
      const fd = openSync(path, 'r')
      if (this.strategy === 'pread') {
        return { path, fd }
      }
      closeSync(fd)
      return { path, fd: null }
    } catch {
      return null
    }
  }

  /**
   * Reads a file into the shared buffer (pread) or a new one (read-file). A file that is gone
   * throws (the caller walks the tree again); one that fails otherwise (EINVAL, EIO from the
   * driver) is null, with a warning.
   */
  private read(f: SysFile, key: string, warnings: string[]): [Buffer, number] | null {
    try {
      if (f.fd === null) {
        const bytes = readFileSync(f.path)
        return [bytes, bytes.length]
      }
      return [this.buffer, readSync(f.fd, this.buffer, 0, this.buffer.length, 0)]
    } catch (error) {
      if (goneCodes.has((error as NodeJS.ErrnoException).code ?? '')) {
        throw error
      }
      warnings.push(`${key}: ${f.path} unreadable (${errorText(error)})`)
      return null
    }
  }

  /** Reads the ports; those whose files are gone are in `gone`, with what the read said. */
  private readAll(ports: readonly PortFiles[]): {
    nics: NicPort[]
    counters: CounterSample[]
    gone: Map<string, string>
    warnings: string[]
  } {
    const nics: NicPort[] = []
    const counters: CounterSample[] = []
    const gone = new Map<string, string>()
    const warnings: string[] = []
    for (const p of ports) {
      try {
        if (p.fixed !== null) {
          const text = (f: SysFile | null): string | undefined => {
            const read = f === null ? null : this.read(f, p.key, warnings)
            return read === null ? undefined : read[0].toString('latin1', 0, read[1])
          }
          nics.push({
            ...p.fixed,
            state: portStateOf(text(p.state)),
            physicalState: physicalStateOf(text(p.physicalState)),
            rateGbps: rateGbpsOf(text(p.rate)),
          })
        }
        const values = this.readCounters(p, warnings)
        if (Object.keys(values).length > 0) {
          counters.push({ port: p.key, counters: values })
        }
      } catch (error) {
        gone.set(p.key, errorText(error))
      }
    }
    return { nics, counters, gone, warnings }
  }

  /** A port's counters; after a failed read, files that gave no number are not read again. */
  private readCounters(p: PortFiles, warnings: string[]): Record<string, number> {
    const values: Record<string, number> = {}
    let failed = false
    for (const f of p.counters) {
      const read = this.read(f, p.key, warnings)
      const value = read === null ? null : numberOf(read[0], read[1])
      failed ||= read === null
      if (value !== null) {
        values[f.name] = value
      }
    }
    if (failed) {
      p.counters = p.counters.filter((f) => f.name in values)
    }
    return values
  }
}

/** The decimal number a counter file holds (white space around it allowed); null for other text. */
function numberOf(bytes: Buffer, length: number): number | null {
  let i = 0
  while (i < length && isSpace(bytes[i])) {
    i++
  }
  const start = i
  let value = 0
  for (; i < length; i++) {
    const c = bytes[i] ?? 0
    if (c < 48 || c > 57) {
      break
    }
    value = value * 10 + (c - 48)
  }
  const end = i
  while (i < length && isSpace(bytes[i])) {
    i++
  }
  if (end === start || i !== length) {
    return null
  }
  // past 15 digits the running sum may round differently from Number(text): let Number decide
  return end - start > 15 ? Number(bytes.toString('latin1', start, end)) : value
}

const isSpace = (c: number | undefined): boolean => c === 32 || c === 10 || c === 9 || c === 13

function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort()
  } catch {
    return []
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'latin1')
  } catch {
    return null
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const sameNames = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((name, i) => name === b[i])
