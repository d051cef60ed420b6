import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  defaultCatalog,
  parseClusterFile,
  parseServicesFile,
  resolveAccelerator,
  type ServiceSpec,
} from '@zhisuan/domain'
import {
  chipOf,
  defaultEngineLimits,
  defaultJobNetwork,
  fixedLength,
  modelPreset,
  replicaLoad,
  replicaOf,
} from '@zhisuan/perf'
import { diurnalRequests } from './request-load.js'
import { fleetDefaults, type RequestRow } from './fleet-options.js'
import { ServiceFleet } from './service-fleet.js'
import { ReplicaServer, type ServedRequest } from './serving-replica.js'
import { simulate } from './simulate.js'
import type { SimJob } from './sim-job.js'

const cluster = parseClusterFile(
  'serving-mixed.yaml',
  readFileSync(new URL('../../../examples/clusters/serving-mixed.yaml', import.meta.url), 'utf8'),
  defaultCatalog(),
)

const resolved = resolveAccelerator(defaultCatalog(), 'H200')
if (!resolved.ok) {
  throw new Error(resolved.reason)
}
const h200 = resolved.value
const replica = replicaOf(
  modelPreset('llama3-70b'),
  chipOf(h200),
  defaultJobNetwork(
    h200,
    { count: 8, gbps: 400 },
    { lossRate: 0, retransmission: 'go-back-n', placement: 'packed' },
  ),
  2,
  'fp8',
)

const poisson = (
  rate: number,
  n: number,
  input: number,
  output: number,
  seed = 1,
): ServedRequest[] => {
  // a fixed-seed linear congruential stream: this test's own arrivals
  let x = seed
  const u = () => {
    x = (x * 48271) % 2147483647
    return x / 2147483647
  }
  const rows: ServedRequest[] = []
  let t = 0
  for (let i = 0; i < n; i++) {
    t += -Math.log(1 - u()) / rate
    rows.push({ arrivalS: t, inputTokens: input, outputTokens: output })
  }
  return rows
}

const serve = (requests: readonly ServedRequest[], server: ReplicaServer) => {
  for (const r of requests) {
    server.advanceTo(r.arrivalS)
    server.accept(r)
  }
  server.advanceTo(Number.MAX_SAFE_INTEGER / 4)
}

describe('a replica serving step by step', () => {
  it('serves every request once, first token before last, none before it arrived', () => {
    const requests = poisson(4, 400, 800, 120)
    const server = new ReplicaServer(replica, defaultEngineLimits, 0)
    serve(requests, server)
    expect(server.finished.length).toBe(400)
    expect(new Set(server.finished).size).toBe(400)
    for (const r of requests) {
      expect(r.firstTokenS).toBeGreaterThan(r.arrivalS)
      expect(r.finishS).toBeGreaterThanOrEqual(r.firstTokenS ?? Infinity)
    }
    expect(server.load).toBe(0)
    expect(server.backlogTokens).toBe(0)
  })

  it('agrees with the analytic model on the median time per output token at a moderate load', () => {
    const rate = 4
    const requests = poisson(rate, 3000, 800, 120)
    serve(requests, new ReplicaServer(replica, defaultEngineLimits, 0))
    const tpots = requests
      .map((r) => ((r.finishS ?? 0) - (r.firstTokenS ?? 0)) / 119)
      .sort((a, b) => a - b)
    const median = tpots[Math.floor(tpots.length / 2)] ?? 0
    const model = replicaLoad(replica, { input: fixedLength(800), output: fixedLength(120) }, rate)
    if ('overloaded' in model) {
      throw new Error(model.overloaded)
    }
    expect(median / model.tpotS.p50).toBeGreaterThan(0.8)
    expect(median / model.tpotS.p50).toBeLessThan(1.25)
  })

  it('never lowers a request’s latency when more requests come (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0.5, max: 6, noNaN: true }),
        (seed, rate) => {
          const few = poisson(rate, 60, 600, 50, seed)
          const many = poisson(rate * 2, 120, 600, 50, seed + 1)
          const first = few[0]
          if (first === undefined) {
            return
          }
          // the same first request, alone then among twice the traffic
          const alone = new ReplicaServer(replica, defaultEngineLimits, 0)
          const a = { ...first }
          serve([a], alone)
          const crowd = new ReplicaServer(replica, defaultEngineLimits, 0)
          const b = { ...first }
          serve([b, ...many.filter((r) => r.arrivalS > first.arrivalS)], crowd)
          expect((b.finishS ?? 0) - b.arrivalS).toBeGreaterThanOrEqual(
            (a.finishS ?? 0) - a.arrivalS - 1e-9,
          )
        },
      ),
      { numRuns: 25 },
    )
  })

  it('hands back what it held when it stops, progress lost', () => {
    const server = new ReplicaServer(replica, defaultEngineLimits, 0)
    const requests = poisson(50, 100, 2000, 500)
    for (const r of requests) {
      server.accept(r)
    }
    server.advanceTo(1)
    const back = server.evict()
    expect(back.length + server.finished.length).toBe(100)
    expect(back.every((r) => r.firstTokenS === undefined)).toBe(true)
    expect(server.load).toBe(0)
  })
})

describe('services in the twin', () => {
  const chat: ServiceSpec = {
    name: 'chat',
    model: 'llama3-70b',
    chip: { family: 'H800' },
    precision: 'fp8',
    slo: { ttftP99S: 2, tpotP99S: 0.1 },
    minReplicas: 2,
    maxReplicas: 8,
  }
  // a day-shaped load: up to 14 requests/s, Azure-like lengths
  const lengths = [
    { inputTokens: 1000, outputTokens: 200 },
    { inputTokens: 300, outputTokens: 50 },
    { inputTokens: 2500, outputTokens: 400 },
  ]
  const requests = (peak: number): RequestRow[] =>
    diurnalRequests({
      hours: 2,
      peakPerS: peak,
      troughPerS: 1,
      peakHour: 1,
      lengths,
      seed: 3,
      startS: 600,
    })
  // training gangs filling the H800s, lower priority
  const training: SimJob[] = [0, 1, 2, 3].map((i) => ({
    id: `train-${i}`,
    tenant: 'research',
    submitS: i,
    replicas: 2,
    perReplica: 8,
    workS: 20 * 3600,
    priority: 0,
  }))
  const run = (autoscaler: 'model' | 'fixed', peak = 14) => {
    const fleet = new ServiceFleet(cluster, [chat], new Map([['chat', requests(peak)]]), {
      ...fleetDefaults,
      autoscaler,
    })
    const result = simulate(cluster, training, {
      seed: 1,
      policy: 'zhisuan',
      failures: null,
      checkpoint: { intervalS: 1800, stallS: 10, restartS: 120 },
      horizonS: 3 * 3600,
      services: fleet,
      jobResults: true,
    })
    return { result, report: fleet.report(3 * 3600) }
  }

  it('scales with the load, preempts training for it, holds the SLO, and is deterministic', () => {
    const { result, report } = run('model')
    const s = report.services[0]
    expect(s?.requests).toBeGreaterThan(15_000)
    expect(s?.served).toBe(s?.requests)
    expect(s?.sloAttainment).toBeGreaterThanOrEqual(0.99)
    expect(s?.replicas.max).toBeGreaterThan(s?.replicas.min ?? Infinity)
    expect(report.trainingPreempted).toBeGreaterThan(0)
    // the replicas are not among the run's jobs
    expect(result.accounts?.every((a) => !a.id.startsWith('svc:'))).toBe(true)
    expect(JSON.stringify(run('model').report)).toBe(JSON.stringify(report))
  })

  it('holds fewer requests within the SLO with replicas fixed at the minimum', () => {
    const scaled = run('model').report.services[0]?.sloAttainment ?? 0
    const fixed = run('fixed').report.services[0]?.sloAttainment ?? 1
    expect(fixed).toBeLessThan(scaled)
  })

  it('refuses a service on a chip the cluster lacks, naming the pools', () => {
    expect(
      () =>
        new ServiceFleet(
          cluster,
          [{ ...chat, chip: { family: 'MI300X' } }],
          new Map([['chat', requests(2)]]),
        ),
    ).toThrow(/service chat: chip: no pool of serving-mixed has MI300X \(pools: H800, Ascend910B\)/)
  })
})

describe('services files', () => {
  it('names the line and field of a bad service', () => {
    const bad =
      '- name: chat\n  model: llama3-70b\n  chip: { family: H800 }\n  slo: { ttftP99S: -1, tpotP99S: 0.1 }\n  minReplicas: 1\n  maxReplicas: 2\n'
    expect(() => parseServicesFile('s.yaml', bad)).toThrow(/s.yaml.*ttftP99S/s)
    const order = bad
      .replace('ttftP99S: -1', 'ttftP99S: 1')
      .replace('maxReplicas: 2', 'maxReplicas: 0')
    expect(() => parseServicesFile('s.yaml', order)).toThrow(/maxReplicas/)
    const twice = bad.replace('ttftP99S: -1', 'ttftP99S: 1')
    expect(() => parseServicesFile('s.yaml', twice + twice)).toThrow(/"chat" is used twice/)
  })
})
