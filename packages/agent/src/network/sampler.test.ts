import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { readNet } from './counter-fixtures.test-support.js'
import { NicHealthTracker } from './nic-health-tracker.js'
import { NicSampler, type CounterReadStrategy, type NicSample } from './sampler.js'
import { writeSysfsTree } from './sysfs-entries.js'
import { sysfsInfinibandParser } from './sysfs-infiniband.js'
import type { CounterSample } from './types.js'

const h100 = readNet('sysfs-infiniband--leptonai-gpud--h100-8x-mlx5-counters-hw_counters.txt')
const parsed = sysfsInfinibandParser.parse(h100)

/** A sysfs tree of temporary files: each `grep -r` line `…/infiniband/<path>:<value>` a file. */
interface SysfsTree {
  readonly root: string
  /** Adds `n` to a counter file of a port (`mlx5_4/1`, `counters/link_downed`). */
  bump(port: string, file: string, n: number): void
  close(): void
}

function sysfsTree(grep: string): SysfsTree {
  const root = mkdtempSync(join(tmpdir(), 'zhisuan-sysfs-'))
  writeSysfsTree(grep, root)
  return {
    root,
    bump(port, file, n) {
      const [device, number] = port.split('/')
      const path = join(root, device ?? '', 'ports', number ?? '', file)
      writeFileSync(path, `${Number(readFileSync(path, 'utf8')) + n}\n`)
    },
    close: () => {
      rmSync(root, { recursive: true, force: true })
    },
  }
}

const opened: { close(): void }[] = []
afterEach(() => {
  for (const h of opened.splice(0)) {
    h.close()
  }
})

/** A tree of the H100 fixture, a sampler on it whose clock the test moves, and a tracker. */
function h100Node(read: CounterReadStrategy = 'pread') {
  const tree = sysfsTree(h100)
  let now = Date.UTC(2026, 11, 7)
  const sampler = new NicSampler({ root: tree.root, read, clock: () => now })
  opened.push(tree, sampler)
  const tracker = new NicHealthTracker()
  return {
    tree,
    sampler,
    tracker,
    /** Moves the clock on by `seconds`, samples and judges. */
    next: (seconds: number) => {
      now += seconds * 1000
      const sample = sampler.sample()
      return { sample, health: tracker.observe(sample) }
    },
  }
}

const byPort = (counters: readonly CounterSample[]) =>
  Object.fromEntries(counters.map((c) => [c.port, c.counters]))
const healthOf = (h: ReturnType<NicHealthTracker['observe']>, port: string) =>
  h.ports.find((p) => p.port === port)?.verdict

describe.each(['pread', 'read-file'] as const)('NicSampler (%s)', (read) => {
  it('reads every port and counter of the H100 node, as the dump parser reads them', () => {
    const { sample } = h100Node(read).next(0)
    expect(sample.nics).toEqual(parsed.nics)
    expect(sample.nics).toHaveLength(9)
    expect(byPort(sample.counters)).toEqual(byPort(parsed.counters))
    const counted = sample.counters.reduce((n, c) => n + Object.keys(c.counters).length, 0)
    // every counters/ and hw_counters/ line of the fixture but hw_counters/lifespan (one per
    // port: the 9 of mlx5_0, mlx5_1, mlx5_4…mlx5_9 and mlx5_bond_0)
    const lines = h100.split('\n').filter((l) => /\/(hw_)?counters\/[^/:]+:/.test(l))
    expect(counted).toBe(lines.length - 9)
    expect(sample.counters.find((c) => c.port === 'mlx5_0/1')?.counters).toMatchObject({
      port_xmit_wait: 2489603687,
      port_rcv_data: 230539874932483,
      excessive_buffer_overrun_errors: 15,
      local_ack_timeout_err: 0,
    })
    expect(sample.lost).toEqual([])
    expect(sample.warnings).toEqual([])
  })

  it('reads the new values of the same files on the next sample', () => {
    const node = h100Node(read)
    node.next(0)
    node.tree.bump('mlx5_7/1', 'counters/port_xmit_wait', 1000)
    const { sample } = node.next(1)
    const before = byPort(parsed.counters)['mlx5_7/1']?.port_xmit_wait ?? NaN
    expect(byPort(sample.counters)['mlx5_7/1']?.port_xmit_wait).toBe(before + 1000)
  })

  it('reports a removed device as failed, with no exception, and finds it again when back', () => {
    const node = h100Node(read)
    node.next(0)
    node.next(1)
    rmSync(join(node.tree.root, 'mlx5_5'), { recursive: true })
    const { sample, health } = node.next(1)
    expect(sample.lost.map((l) => l.port)).toEqual(['mlx5_5/1'])
    expect(sample.lost[0]?.reason).toBe(`no longer in ${node.tree.root}`)
    expect(sample.nics.map((n) => n.device)).not.toContain('mlx5_5')
    expect(healthOf(health, 'mlx5_5/1')).toMatchObject({ health: 'failed' })
    expect(health.health).toBe('failed')
    expect(health.reason).toMatch(/^1 failed, 0 degraded of 9 port\(s\): mlx5_5\/1: gone/)
    // the sampler forgets it; the tracker does not: a NIC that fell off does not heal by leaving
    const later = node.next(1)
    expect(later.sample.lost).toEqual([])
    expect(healthOf(later.health, 'mlx5_5/1')?.reason).toMatch(/gone from the samples for 1 s/)
    node.tracker.forget('mlx5_5/1')
    expect(node.next(1).health.health).toBe('healthy')
  })
})

describe('NicSampler: files that vanish under a device still listed (a driver reset)', () => {
  it('walks the tree again when a counter file is gone, and keeps the port', () => {
    const node = h100Node('read-file')
    node.next(0)
    rmSync(join(node.tree.root, 'mlx5_1/ports/1/hw_counters/out_of_sequence'))
    const { sample, health } = node.next(1)
    expect(sample.lost).toEqual([])
    expect(byPort(sample.counters)['mlx5_1/1']).not.toHaveProperty('out_of_sequence')
    expect(health.health).toBe('healthy')
  })

  it('reports a port whose files are all gone as lost, with what the read said', () => {
    const node = h100Node('read-file')
    node.next(0)
    rmSync(join(node.tree.root, 'mlx5_9/ports'), { recursive: true })
    const { sample, health } = node.next(1)
    expect(sample.lost.map((l) => l.port)).toEqual(['mlx5_9/1'])
    expect(sample.lost[0]?.reason).toMatch(/^ENOENT: no such file or directory/)
    expect(healthOf(health, 'mlx5_9/1')?.reason).toMatch(/driver reset \(ENOENT/)
    expect(node.next(1).sample.lost).toEqual([])
  })
})

describe('NicHealthTracker on sampled counters', () => {
  it('a first sample judges states only; an unchanged second one is healthy on every port', () => {
    const node = h100Node()
    const first = node.next(0).health
    expect(first.ports).toHaveLength(9)
    expect(first.ports.every((p) => p.notes[0]?.startsWith('first sample'))).toBe(true)
    const second = node.next(10).health
    expect(second.health).toBe('healthy')
    expect(second.reason).toBe('9 port(s) healthy')
    // the fixture's real counters: excessive_buffer_overrun_errors sits at its 4-bit maximum
    // on every port, so its rises cannot show; noted, not alarmed
    for (const p of second.ports) {
      expect(p.verdict.reason).toMatch(
        /^counter rates normal over 10 s; \d counter\(s\) not judged \(excessive_buffer_overrun_errors is saturated at 15 \(4 bits\)/,
      )
    }
  })

  it('fails the one port whose link_downed rose, and so the node', () => {
    const node = h100Node()
    node.next(0)
    node.tree.bump('mlx5_4/1', 'counters/link_downed', 1)
    const { health } = node.next(10)
    const verdict = healthOf(health, 'mlx5_4/1')
    expect(verdict).toMatchObject({ device: 'mlx5_4', port: 1, health: 'failed' })
    expect(verdict?.reason).toMatch(/^the link went down \(flap\).*link_downed \+1 in 10 s/)
    expect(health.ports.filter((p) => p.verdict.health !== 'healthy')).toHaveLength(1)
    expect(health.health).toBe('failed')
    // no rise in the next window: the port is healthy again
    expect(node.next(10).health.health).toBe('healthy')
  })

  it('degrades a port with an ACK timeout a minute and fails one with one a second', () => {
    const node = h100Node()
    node.next(0)
    node.tree.bump('mlx5_8/1', 'hw_counters/local_ack_timeout_err', 1)
    const slow = node.next(10).health
    expect(healthOf(slow, 'mlx5_8/1')?.health).toBe('degraded')
    expect(healthOf(slow, 'mlx5_8/1')?.reason).toMatch(/^packet loss: ACK timeouts/)
    expect(slow.health).toBe('degraded')
    node.tree.bump('mlx5_8/1', 'hw_counters/local_ack_timeout_err', 30)
    expect(healthOf(node.next(10).health, 'mlx5_8/1')?.health).toBe('failed')
  })

  it('a sample no later than the one before keeps the last verdict', () => {
    const node = h100Node()
    node.next(0)
    node.tree.bump('mlx5_0/1', 'counters/link_downed', 1)
    const same = node.next(0).health
    expect(healthOf(same, 'mlx5_0/1')?.health).toBe('healthy')
    expect(same.ports[0]?.notes.at(-1)).toMatch(/not after the previous one/)
    expect(healthOf(node.next(5).health, 'mlx5_0/1')?.health).toBe('failed')
  })

  it('identical successive samples are healthy, whatever the counters and the interval', () => {
    const nics = parsed.nics
    const counters = fc.dictionary(
      fc.constantFrom(...Object.keys(parsed.counters[0]?.counters ?? {}), 'vendor_counter_x'),
      fc.oneof(fc.nat(), fc.constantFrom(255, 65535, 4294967295, 2 ** 53 - 1)),
    )
    const sample = fc.record({
      counters: fc.array(counters, { minLength: nics.length, maxLength: nics.length }),
      at: fc.integer({ min: 0, max: 2 ** 40 }),
      seconds: fc.double({ min: 0.001, max: 86_400, noNaN: true }),
    })
    fc.assert(
      fc.property(sample, ({ counters, at, seconds }) => {
        const s: NicSample = {
          at,
          nics,
          counters: nics.map((n, i) => ({
            port: `${n.device}/${n.port}`,
            counters: counters[i] ?? {},
          })),
          lost: [],
          warnings: [],
        }
        const tracker = new NicHealthTracker()
        tracker.observe(s)
        const after = tracker.observe({ ...s, at: at + seconds * 1000 })
        return after.health === 'healthy' && after.ports.every((p) => p.findings.length === 0)
      }),
    )
  })
})
