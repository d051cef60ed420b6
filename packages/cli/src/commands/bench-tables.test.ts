import { describe, expect, it } from 'vitest'
import { checkpointFigures, schedulerFigures } from './bench-figures.test-support.js'
import { checkpointBenchReport, schedulerBenchReport } from './bench-tables.js'

/** The line of a report whose first cell is `figure` (left or right aligned in the table's borders). */
const line = (report: string, figure: string) =>
  report
    .split('\n')
    .find((l) => new RegExp(`^│ +${figure.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `).test(l)) ?? ''

describe('zhisuan bench scheduler', () => {
  const report = schedulerBenchReport(schedulerFigures)

  it('prints each target beside the measured figure, with met or missed', () => {
    expect(line(report, 'decisions per second')).toMatch(/21,159 .*≥ 2,000 .*│ met /)
    // the 100k replay's spine share (1.6% against first fit's 2.6%) misses 0.3 × first fit
    expect(line(report, 'ring traffic crossing the spine')).toMatch(
      /1\.6% .*2\.6% .*≤ 0\.8% \(0\.3 × first fit\) .*│ missed /,
    )
    expect(line(report, '8,192 accelerators')).toMatch(/1\.010 ms .*p99 < 50 ms .*│ met /)
    // found (right-aligned), and with no target of its own
    expect(line(report, '8 accelerators')).toMatch(/0\.156 ms/)
    expect(line(report, '8 accelerators')).not.toMatch(/met|missed/)
  })

  it('judges "no worse than first fit" within its slack: 1 point of utilization, 10% of wait', () => {
    const tree = report.slice(report.indexOf('tree-64'))
    // 3.29 h is 5% above 3.13 h: within 10%
    expect(line(tree, 'mean queue wait')).toMatch(/3\.29 h .*3\.13 h .*≤ first fit \+ 10% .*│ met /)
    expect(line(tree, 'utilization')).toMatch(/84\.5% .*84\.4% .*≥ first fit − 1 pt .*│ met /)
    // 77.1% against 77.2%: a tenth of a point, noise
    expect(line(report, 'utilization')).toMatch(/77\.1% .*77\.2% .*│ met /)
    const worse = schedulerBenchReport({
      ...schedulerFigures,
      tree64: {
        ...schedulerFigures.tree64,
        utilization: { zhisuan: 0.833, firstFit: 0.844 },
        meanWaitHours: { zhisuan: 3.13 * 1.11, firstFit: 3.13 },
      },
    })
    const worseTree = worse.slice(worse.indexOf('tree-64'))
    expect(line(worseTree, 'mean queue wait')).toMatch(/│ missed /)
    expect(line(worseTree, 'utilization')).toMatch(/│ missed /)
  })
})

describe('zhisuan bench checkpoint', () => {
  it('prints seconds with their unit and each ratio against its target', () => {
    const report = checkpointBenchReport(checkpointFigures)
    expect(line(report, 'cp -r')).toMatch(/1\.12 s/)
    expect(line(report, 'fsRatioToCp')).toMatch(/0\.44 .*≥ 0\.9 .*│ missed /)
    expect(line(report, 's3RatioToSingleStream')).toMatch(/2\.23 .*> 1 .*│ met /)
    expect(line(report, 'uploader peak RSS³')).toMatch(/161 MB/)
  })
})
