import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultCatalog, parseClusterFile } from '@zhisuan/domain'
import {
  fitEpisodes,
  networkFromFit,
  parseEpisodeHistory,
  type EpisodeHistory,
  type HistoryEpisode,
} from './episode-history.js'
import type { SimConfig } from './sim-config.js'
import type { SimJob } from './sim-job.js'
import { simulate } from './simulate.js'

const lab = parseClusterFile(
  'lab-64.yaml',
  readFileSync(new URL('../../../examples/clusters/lab-64.yaml', import.meta.url), 'utf8'),
  defaultCatalog(),
)
const day = 86_400
const ep = (
  leaf: number,
  start: number,
  minutes: number,
  lossRate: number,
  kind = 'loss',
  device = 'mlx5_0',
): HistoryEpisode => ({
  leaf,
  node: `n${leaf}`,
  device,
  port: 1,
  kind,
  lossRate,
  start,
  end: start + minutes * 60,
  durationS: minutes * 60,
})
const history = (episodes: HistoryEpisode[], days = 2): EpisodeHistory => ({
  from: 0,
  to: days * day,
  leaves: [
    { leaf: 0, nodes: 4 },
    { leaf: 1, nodes: 4 },
  ],
  episodes,
})

describe('fitting a network history', () => {
  it('fits per leaf per day the rate, the mean loss and the mean length', () => {
    const fit = fitEpisodes(
      history([
        ep(0, 1000, 30, 0.002),
        ep(0, 1000 + 600, 10, 0.004, 'loss', 'mlx5_1'), // overlaps the first: one leaf episode
        ep(0, day, 60, 0, 'flap'), // a flap: loss 1 whatever it says
        ep(0, day + 7200, 20, 0, 'congestion'), // no loss: left out
        ep(1, 5000, 90, 1, 'state'),
      ]),
    )
    expect(fit.days).toBe(2)
    expect(fit.leaves).toEqual([
      { leaf: 0, episodes: 2, perDay: 1, lossRate: (0.004 + 1) / 2, minutes: (30 + 60) / 2 },
      { leaf: 1, episodes: 1, perDay: 0.5, lossRate: 1, minutes: 90 },
    ])
    expect(fit.overall).toEqual({ perDay: 0.75, lossRate: (0.004 + 2) / 3, minutes: 60 })
    // lab-64 has the history's two leaves: per leaf; a cluster of another shape: the means
    const same = networkFromFit(fit, lab.fabric.blocks.length)
    expect(same.perLeaf).toBe(true)
    expect(same.network?.perLeaf?.[1]).toEqual({ perDay: 0.5, lossRate: 1, minutes: 90 })
    expect(networkFromFit(fit, 5)).toEqual({
      network: { perLeafPerDay: 0.75, lossRate: (0.004 + 2) / 3, minutes: 60 },
      perLeaf: false,
    })
  })

  it('names the field and the index of what is wrong', () => {
    const good = history([ep(0, 10, 1, 0.001)])
    expect(parseEpisodeHistory(JSON.parse(JSON.stringify(good)), 'h.json')).toEqual(good)
    const bad = (patch: Record<string, unknown>) => () =>
      parseEpisodeHistory(
        { ...good, episodes: [good.episodes[0], { ...good.episodes[0], ...patch }] },
        'h.json',
      )
    expect(bad({ lossRate: 2 })).toThrow(
      'h.json: episodes[1].lossRate: expected a number in [0, 1], got 2',
    )
    expect(bad({ leaf: 9 })).toThrow('episodes[1].leaf')
    expect(bad({ end: 1 })).toThrow('episodes[1].end')
    expect(() => parseEpisodeHistory({ ...good, to: -1 }, 'h.json')).toThrow('h.json: to:')
    expect(() => parseEpisodeHistory([], 'h.json')).toThrow('(top level)')
  })
})

describe('the twin on a history', () => {
  // one gang on every node of lab-64: every leaf episode reaches it
  const gang: SimJob = {
    id: 'gang',
    tenant: 't',
    submitS: 0,
    workS: 10 * day,
    replicas: 8,
    perReplica: 8,
    networkShare: 0.2,
  }
  const base: SimConfig = {
    seed: 3,
    policy: 'zhisuan',
    failures: null,
    checkpoint: { intervalS: 3600, stallS: 0, restartS: 0 },
  }
  const run = (h: EpisodeHistory | undefined, seed = 3) => {
    const network =
      h === undefined ? undefined : networkFromFit(fitEpisodes(h), lab.fabric.blocks.length).network
    return simulate(lab, [gang], { ...base, seed, ...(network === undefined ? {} : { network }) })
  }

  it('runs a history without episodes as the twin without any', () => {
    expect(JSON.stringify(run(history([])))).toBe(JSON.stringify(run(undefined)))
  })

  it('is the same for the same seed', () => {
    const h = history([ep(0, 100, 60, 0.001), ep(1, day, 30, 1, 'flap')])
    expect(JSON.stringify(run(h))).toBe(JSON.stringify(run(h)))
    expect(run(h).jctS.p50).toBeGreaterThan(run(undefined).jctS.p50)
  })

  it('never loses less time to loss with more episodes in the history', () => {
    // more episodes of the same loss and length: a higher rate, the same means
    const clean = run(undefined).jctS.p50
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom(1e-3, 1e-2, 1),
        fc.integer({ min: 5, max: 60 }),
        fc.integer({ min: 1, max: 20 }),
        (fewer, extra, loss, minutes, seed) => {
          const at = (i: number) => ep(i % 2, i * 3 * 3600, minutes, loss)
          const some = history(Array.from({ length: fewer }, (_, i) => at(i)))
          const more = history(Array.from({ length: fewer + extra }, (_, i) => at(i)))
          const lostSome = run(some, seed).jctS.p50 - clean
          const lostMore = run(more, seed).jctS.p50 - clean
          expect(lostSome).toBeGreaterThanOrEqual(0)
          expect(lostMore).toBeGreaterThanOrEqual(lostSome)
        },
      ),
      { seed: 21, numRuns: 40 },
    )
  })
})
