import type { CheckpointBenchResult } from '@zhisuan/checkpoint/bench'
import { largeGangs, type PolicyFigures } from '../bench/scheduler-bench.js'
import { formatCount, formatFixed, formatPercent, plural } from '../numbers.js'
import { table } from '../table.js'

/** Targets of the scheduler benchmark (issue: ≥ 2,000 decisions/s, 8,192-gang p99 < 50 ms, spine share ≤ 0.3 × first fit). */
export const schedulerTargets = {
  decisionsPerSecond: 2000,
  gang8192P99Ms: 50,
  spineShareRatio: 0.3,
  /** "No worse" within what one replay's noise moves: utilization 1 point, mean wait 10%. */
  utilizationSlack: 0.01,
  waitSlack: 0.1,
}

/** A figure of both policies. */
interface Pair {
  readonly zhisuan: number
  readonly firstFit: number
}

/** What the scheduler benchmark's report shows of its figures. */
export interface SchedulerBenchView {
  readonly cluster: string
  readonly accelerators: number
  readonly jobs: number
  readonly decisionsPerSecond: number
  readonly placeMs: Readonly<Record<string, { p50: number; p99: number; n: number }>>
  readonly peakMemoryMB: number
  readonly spineTrafficShare: Pair
  readonly meanTopTier: Pair
  readonly utilization: Pair
  readonly meanWaitHours: Pair
  readonly policies: Readonly<
    Record<'zhisuan' | 'firstFit', Pick<PolicyFigures, 'spineTrafficFloor' | 'meanGangWaitHours'>>
  >
  readonly tree64: {
    readonly jobs: number
    readonly spineTrafficShare: Pair
    readonly spineTrafficFloor: number
    readonly meanTopTier: Pair
    readonly utilization: Pair
    readonly meanWaitHours: Pair
  }
}

type Row = [string, string, string, string, string]

/** A row with a target: the target as written, and whether the measured figure met it. */
const checked = (
  figure: string,
  ours: string,
  theirs: string,
  target: string,
  met: boolean,
): Row => [figure, ours, theirs, target, met ? 'met' : 'missed']
const plain = (figure: string, ours: string, theirs = ''): Row => [figure, ours, theirs, '', '']

const share = (x: number) => formatPercent(x)
const hours = (x: number) => `${formatFixed(x, 2)} h`
const head = ['figure', 'zhisuan', 'first fit', 'target', 'result']

function spineRow(s: Pair): Row {
  const bound = schedulerTargets.spineShareRatio * s.firstFit
  return checked(
    'ring traffic crossing the spine',
    share(s.zhisuan),
    share(s.firstFit),
    `≤ ${share(bound)} (${schedulerTargets.spineShareRatio} × first fit)`,
    s.zhisuan <= bound,
  )
}

/** The rows both replays share: utilization and waits, no worse than first fit's (within the slack). */
function noWorseRows(utilization: Pair, wait: Pair): Row[] {
  return [
    checked(
      'utilization',
      share(utilization.zhisuan),
      share(utilization.firstFit),
      `≥ first fit − ${schedulerTargets.utilizationSlack * 100} pt`,
      utilization.zhisuan >= utilization.firstFit - schedulerTargets.utilizationSlack,
    ),
    checked(
      'mean queue wait',
      hours(wait.zhisuan),
      hours(wait.firstFit),
      `≤ first fit + ${schedulerTargets.waitSlack * 100}%`,
      wait.zhisuan <= wait.firstFit * (1 + schedulerTargets.waitSlack),
    ),
  ]
}

function gangTable(placeMs: SchedulerBenchView['placeMs']): string {
  const ms = (x: number) => `${formatFixed(x, 3)} ms`
  return table(
    ['gang', 'place p50', 'place p99', 'samples', 'target', 'result'],
    Object.entries(placeMs).map(([key, p]) => {
      const size = Number(key.replace('gang', ''))
      const bounded = size === 8192
      return [
        plural(size, 'accelerator'),
        ms(p.p50),
        ms(p.p99),
        p.n,
        bounded ? `p99 < ${schedulerTargets.gang8192P99Ms} ms` : '',
        bounded ? (p.p99 < schedulerTargets.gang8192P99Ms ? 'met' : 'missed') : '',
      ]
    }),
  )
}

/**
 * The scheduler benchmark for people: each figure with its unit, each target beside the measured
 * figure it applies to, and whether it was met.
 */
export function schedulerBenchReport(r: SchedulerBenchView): string {
  const gangs = largeGangs.map((g) => `${g.count}×${formatCount(g.accelerators)}`).join(', ')
  const t = r.tree64
  return [
    `${r.cluster}: ${plural(r.accelerators, 'accelerator')}, ${plural(r.jobs, 'job')} (Philly sizes + ${gangs})`,
    table(head, [
      checked(
        'decisions per second',
        formatCount(r.decisionsPerSecond),
        '',
        `≥ ${formatCount(schedulerTargets.decisionsPerSecond)}`,
        r.decisionsPerSecond >= schedulerTargets.decisionsPerSecond,
      ),
      spineRow(r.spineTrafficShare),
      plain(
        '  least possible (fewest blocks)',
        share(r.policies.zhisuan.spineTrafficFloor),
        share(r.policies.firstFit.spineTrafficFloor),
      ),
      plain(
        'mean top tier of multi-node gangs',
        formatFixed(r.meanTopTier.zhisuan, 2),
        formatFixed(r.meanTopTier.firstFit, 2),
      ),
      ...noWorseRows(r.utilization, r.meanWaitHours),
      plain(
        'mean queue wait of the large gangs',
        hours(r.policies.zhisuan.meanGangWaitHours),
        hours(r.policies.firstFit.meanGangWaitHours),
      ),
      plain('peak RSS', `${formatCount(r.peakMemoryMB)} MB`),
    ]),
    gangTable(r.placeMs),
    `tree-64 (64 nodes, 3 tiers), the whole Philly window (${plural(t.jobs, 'job')}) at its own arrival rate:`,
    table(head, [
      spineRow(t.spineTrafficShare),
      plain('  least possible (fewest blocks)', share(t.spineTrafficFloor)),
      plain(
        'mean top tier of multi-node gangs',
        formatFixed(t.meanTopTier.zhisuan, 2),
        formatFixed(t.meanTopTier.firstFit, 2),
      ),
      ...noWorseRows(t.utilization, t.meanWaitHours),
    ]),
    'top tier: leaf 2, spine 3, core 4. Slurm’s reported spine share on such a tree is ~10–12%',
    '(a figure from the issue, not measured here).',
  ].join('\n')
}

/** The checkpoint benchmark for people: seconds with their unit, ratios against their targets. */
export function checkpointBenchReport(r: CheckpointBenchResult): string {
  const s = (x: number) => `${formatFixed(x, 2)} s`
  const ratio = (x: number) => formatFixed(x, 2)
  const row = (figure: string, value: string, target = '', met?: boolean) => [
    figure,
    value,
    target,
    met === undefined ? '' : met ? 'met' : 'missed',
  ]
  return [
    table(
      ['figure', 'value', 'target', 'result'],
      [
        row('cp -r', s(r.cpSeconds)),
        row('cp -r && sync', s(r.cpSyncSeconds)),
        row('  the sync alone (the disk writing the bytes back)', s(r.syncSeconds)),
        row('uploader → file tier¹', s(r.fileTierSeconds)),
        row('fsRatioToCp (cp -r ÷ uploader)', ratio(r.fsRatioToCp), '≥ 0.9', r.fsRatioToCp >= 0.9),
        row('  fsRatioCeiling (cp -r ÷ sync)²', ratio(r.fsRatioCeiling)),
        row('fsRatioToCpSync', ratio(r.fsRatioToCpSync)),
        row(
          's3RatioToSingleStream',
          ratio(r.s3RatioToSingleStream),
          '> 1',
          r.s3RatioToSingleStream > 1,
        ),
        row('uploader peak RSS³', `${formatCount(r.peakRssMB)} MB`),
      ],
    ),
    '¹ kernel copy, SHA-256 of the copy, fsync. ² the most any durable copy reaches on this disk.',
    '³ bounded by the parts in flight, not by the checkpoint’s size.',
  ].join('\n')
}
