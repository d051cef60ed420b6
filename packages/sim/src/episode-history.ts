import { ZhisuanError } from '@zhisuan/domain'
import type { LeafEpisodes, NetworkEvents } from './sim-job.js'

// A cluster's own network history (issue #21): the episodes the agents reported, as
// GET /api/v1/fabric/episodes (and `zhisuan fabric episodes --out`) exports them, fitted into
// the twin's loss-episode parameters.

/** One port's episode in the export. */
export interface HistoryEpisode {
  readonly leaf: number
  readonly node: string
  readonly device: string
  readonly port: number
  /** state | flap | physical | loss | congestion. */
  readonly kind: string
  /** Packet loss rate during it, 0..1 (1: the port was down). */
  readonly lossRate: number
  /** Unix seconds. */
  readonly start: number
  /** Unix seconds; null while still open. */
  readonly end: number | null
  /** Seconds within the window [from, to]. */
  readonly durationS: number
}

/** The export: a window, the leaves (blocks) and their node counts, the episodes. */
export interface EpisodeHistory {
  readonly from: number
  readonly to: number
  readonly leaves: readonly { readonly leaf: number; readonly nodes: number }[]
  readonly episodes: readonly HistoryEpisode[]
}

/** One leaf's fitted episodes. */
export interface LeafFit extends LeafEpisodes {
  readonly leaf: number
  /** Leaf episodes in the window (overlapping port episodes merged into one). */
  readonly episodes: number
}

/** What a history fits to: per leaf, and the cluster-wide means. */
export interface EpisodeFit {
  readonly days: number
  readonly leaves: readonly LeafFit[]
  /** Episodes per leaf per day, and the mean loss and length, over every leaf. */
  readonly overall: LeafEpisodes
}

function fail(source: string, field: string, expected: string, got: unknown): never {
  throw new ZhisuanError(
    'invalid-input',
    `${source}: ${field}: expected ${expected}, got ${got === undefined ? 'nothing' : JSON.stringify(got)}`,
  )
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)

/**
 * Checks an export's JSON (already parsed) and returns it typed.
 * @throws ZhisuanError `invalid-input` naming the source, the field and the episode's index.
 */
export function parseEpisodeHistory(json: unknown, source: string): EpisodeHistory {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(source, '(top level)', 'an object {from, to, leaves, episodes}', json)
  }
  const o = json as Record<string, unknown>
  const from = o['from']
  const to = o['to']
  if (!isNumber(from) || from < 0) {
    fail(source, 'from', 'Unix seconds ≥ 0', from)
  }
  if (!isNumber(to) || to <= from) {
    fail(source, 'to', `Unix seconds after from (${from})`, to)
  }
  const leavesIn = o['leaves']
  if (!Array.isArray(leavesIn) || leavesIn.length === 0) {
    fail(source, 'leaves', 'a non-empty array of {leaf, nodes}', leavesIn)
  }
  const leaves = leavesIn.map((l: unknown, i) => {
    const r = (typeof l === 'object' && l !== null ? l : {}) as Record<string, unknown>
    if (!Number.isInteger(r['leaf']) || (r['leaf'] as number) < 0) {
      fail(source, `leaves[${i}].leaf`, 'an integer ≥ 0', r['leaf'])
    }
    if (!Number.isInteger(r['nodes']) || (r['nodes'] as number) < 0) {
      fail(source, `leaves[${i}].nodes`, 'an integer ≥ 0', r['nodes'])
    }
    return { leaf: r['leaf'] as number, nodes: r['nodes'] as number }
  })
  const known = new Set(leaves.map((l) => l.leaf))
  if (known.size !== leaves.length) {
    fail(
      source,
      'leaves',
      'each leaf once',
      leaves.map((l) => l.leaf),
    )
  }
  const episodesIn = o['episodes']
  if (!Array.isArray(episodesIn)) {
    fail(source, 'episodes', 'an array', episodesIn)
  }
  const episodes = episodesIn.map((e: unknown, i) => episodeAt(e, i, source, known))
  return { from, to, leaves, episodes }
}

function episodeAt(
  e: unknown,
  i: number,
  source: string,
  leaves: ReadonlySet<number>,
): HistoryEpisode {
  const at = `episodes[${i}]`
  if (typeof e !== 'object' || e === null || Array.isArray(e)) {
    fail(source, at, 'an object', e)
  }
  const r = e as Record<string, unknown>
  const leaf = r['leaf']
  if (!Number.isInteger(leaf) || !leaves.has(leaf as number)) {
    fail(source, `${at}.leaf`, 'one of the leaves listed in "leaves"', leaf)
  }
  for (const k of ['node', 'device', 'kind'] as const) {
    if (typeof r[k] !== 'string') {
      fail(source, `${at}.${k}`, 'a string', r[k])
    }
  }
  if (!Number.isInteger(r['port'])) {
    fail(source, `${at}.port`, 'an integer', r['port'])
  }
  const lossRate = r['lossRate']
  if (!isNumber(lossRate) || lossRate < 0 || lossRate > 1) {
    fail(source, `${at}.lossRate`, 'a number in [0, 1]', lossRate)
  }
  const start = r['start']
  if (!isNumber(start)) {
    fail(source, `${at}.start`, 'Unix seconds', start)
  }
  const end = r['end']
  if (end !== null && (!isNumber(end) || end < start)) {
    fail(source, `${at}.end`, `null or Unix seconds ≥ start (${start})`, end)
  }
  const durationS = r['durationS']
  if (!isNumber(durationS) || durationS < 0) {
    fail(source, `${at}.durationS`, 'seconds ≥ 0', durationS)
  }
  return {
    leaf: leaf as number,
    node: r['node'] as string,
    device: r['device'] as string,
    port: r['port'] as number,
    kind: r['kind'] as string,
    lossRate: r['kind'] === 'flap' ? 1 : lossRate,
    start,
    end,
    durationS,
  }
}

/**
 * Fits a history: per leaf, its port episodes that start in the window and cost packets (a flap
 * at loss 1, a down port at 1, a lossy one at its rate; congestion and slow links at loss 0 are
 * left out) are merged where they overlap into leaf episodes (the worst loss, from the first
 * start to the last end; an open one ends at `to`). Per leaf: episodes per day over the window,
 * their mean loss rate and mean length; overall: the same over every leaf (the rate per leaf).
 */
export function fitEpisodes(history: EpisodeHistory): EpisodeFit {
  const days = (history.to - history.from) / 86_400
  const byLeaf = new Map<number, { start: number; end: number; loss: number }[]>()
  for (const e of history.episodes) {
    const loss = e.kind === 'flap' ? 1 : e.lossRate
    if (loss > 0 && e.start >= history.from) {
      const mine = byLeaf.get(e.leaf) ?? []
      mine.push({ start: e.start, end: Math.min(history.to, e.end ?? history.to), loss })
      byLeaf.set(e.leaf, mine)
    }
  }
  const all: { loss: number; minutes: number }[] = []
  const leaves = history.leaves.map(({ leaf }) => {
    const mine = (byLeaf.get(leaf) ?? []).sort((a, b) => a.start - b.start || a.end - b.end)
    const merged: { start: number; end: number; loss: number }[] = []
    for (const e of mine) {
      const last = merged[merged.length - 1]
      if (last !== undefined && e.start <= last.end) {
        last.end = Math.max(last.end, e.end)
        last.loss = Math.max(last.loss, e.loss)
      } else {
        merged.push({ ...e })
      }
    }
    const runs = merged.map((m) => ({ loss: m.loss, minutes: (m.end - m.start) / 60 }))
    all.push(...runs)
    return {
      leaf,
      episodes: runs.length,
      perDay: runs.length / days,
      lossRate: mean(runs.map((r) => r.loss)),
      minutes: mean(runs.map((r) => r.minutes)),
    }
  })
  return {
    days,
    leaves,
    overall: {
      perDay: all.length / days / history.leaves.length,
      lossRate: mean(all.map((r) => r.loss)),
      minutes: mean(all.map((r) => r.minutes)),
    },
  }
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length
}

/**
 * The twin's loss episodes from a fit, on a cluster of `blocks` leaves: per leaf when the
 * history's leaves are the cluster's (0..blocks−1), else the cluster-wide means on every leaf;
 * undefined when the history has no episode (the twin then runs without any).
 */
export function networkFromFit(
  fit: EpisodeFit,
  blocks: number,
): { network: NetworkEvents | undefined; perLeaf: boolean } {
  if (fit.overall.perDay === 0) {
    return { network: undefined, perLeaf: false }
  }
  const means = {
    perLeafPerDay: fit.overall.perDay,
    lossRate: fit.overall.lossRate,
    minutes: fit.overall.minutes,
  }
  const byLeaf = new Map(fit.leaves.map((l) => [l.leaf, l]))
  const perLeaf = Array.from({ length: blocks }, (_, i) => byLeaf.get(i)).filter(
    (l): l is LeafFit => l !== undefined,
  )
  if (fit.leaves.length !== blocks || perLeaf.length !== blocks) {
    return { network: means, perLeaf: false }
  }
  const own = perLeaf.map(({ perDay, lossRate, minutes }) => ({ perDay, lossRate, minutes }))
  return { network: { ...means, perLeaf: own }, perLeaf: true }
}
