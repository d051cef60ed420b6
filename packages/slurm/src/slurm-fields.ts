import { expandHostlist } from './hostlist.js'

/**
 * A time as Slurm's accounting and completion records write it (`2026-12-07T12:04:57`, the
 * controller's local time without a zone, read in this process's `TZ`), in Unix seconds;
 * undefined for anything else.
 */
export function slurmTimeS(value: string): number | undefined {
  const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(value) ? Date.parse(value) : Number.NaN
  return Number.isFinite(t) ? t / 1000 : undefined
}

/**
 * The nodes of a NodeList field; none for the ways Slurm says there are none (empty, `(null)`,
 * `None assigned`).
 * @throws Error from `expandHostlist` for a list it cannot read.
 */
export function slurmNodeList(list: string): string[] {
  return list === '' || list === '(null)' || list === 'None assigned' ? [] : expandHostlist(list)
}
