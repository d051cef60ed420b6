import { ZhisuanError } from '@zhisuan/domain'
import { createRng } from './rng.js'
import type { RequestRow } from './fleet-options.js'

/** A day-shaped request load: a sinusoid between `troughPerS` and `peakPerS`, highest at `peakHour`. */
export interface DiurnalLoad {
  readonly hours: number
  readonly peakPerS: number
  readonly troughPerS: number
  /** Hour of the day (0–24) of the peak; the run starts at hour 0. */
  readonly peakHour: number
  /** Prompt and output lengths drawn from, uniformly (e.g. a trace's requests). */
  readonly lengths: readonly { readonly inputTokens: number; readonly outputTokens: number }[]
  readonly seed: number
  /** Seconds on the run's clock of hour 0. */
  readonly startS: number
}

/**
 * Requests of a diurnal load, for horizons longer than a trace: Poisson arrivals whose rate
 * follows the day (thinning: candidates at the peak rate, each kept with rate(t)/peak), lengths
 * drawn from a sample. Deterministic for a seed.
 * @throws ZhisuanError `invalid-input` for rates out of order or no lengths.
 */
export function diurnalRequests(load: DiurnalLoad): RequestRow[] {
  if (!(load.peakPerS > 0) || !(load.troughPerS >= 0) || load.troughPerS > load.peakPerS) {
    throw new ZhisuanError(
      'invalid-input',
      `diurnal load: need 0 ≤ trough ≤ peak and peak > 0, got trough ${load.troughPerS}, peak ${load.peakPerS}`,
    )
  }
  if (load.lengths.length === 0) {
    throw new ZhisuanError('invalid-input', 'diurnal load: no request lengths to draw from')
  }
  const rng = createRng(load.seed)
  const gaps = rng.stream('diurnal-arrivals')
  const keep = rng.stream('diurnal-thinning')
  const pick = rng.stream('diurnal-lengths')
  const mid = (load.peakPerS + load.troughPerS) / 2
  const swing = (load.peakPerS - load.troughPerS) / 2
  const rate = (s: number) =>
    mid + swing * Math.cos((2 * Math.PI * (s / 3600 - load.peakHour)) / 24)
  const rows: RequestRow[] = []
  for (
    let s = gaps.exponential(load.peakPerS);
    s < load.hours * 3600;
    s += gaps.exponential(load.peakPerS)
  ) {
    if (keep.uniform() * load.peakPerS <= rate(s)) {
      const l = load.lengths[pick.below(load.lengths.length)] ?? load.lengths[0]
      if (l !== undefined) {
        rows.push({
          arrivalS: load.startS + s,
          inputTokens: l.inputTokens,
          outputTokens: l.outputTokens,
        })
      }
    }
  }
  return rows
}
