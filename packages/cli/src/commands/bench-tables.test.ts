import { describe, expect, it } from 'vitest'
import { checkpointFigures, schedulerFigures } from './bench-figures.test-support.js'
import { checkpointBenchReport, schedulerBenchReport } from './bench-tables.js'

/** The line of a report that starts with `figure` (inside the table's borders). */
const line = (report: string, figure: string) =>
  report.split('\n').find((l) => l.startsWith(`│ ${figure} `)) ?? ''

describe('zhisuan bench scheduler', () => {
  const report = schedulerBenchReport(schedulerFigures)

  it('prints each target beside the measured figure, with met or missed', () => {
    expect(line(report, 'decisions per second')).toMatch(/21,159 .*≥ 2,000 .*│ met /)
    // the 100k replay's spine share (1.6% against first fit's 2.6%) misses 0.3 × first fit
    expect(line(report, 'ring traffic crossing the spine')).toMatch(
      /1\.6% .*2\.6% .*≤ 0\.8% \(0\.3 × first fit\) .*│ missed /,
    )
    expect(line(report, '8,192 accelerators')).toMatch(/1\.010 ms .*p99 < 50 ms .*│ met /)
    expect(line(report, '8 accelerators')).not.toMatch(/met|missed/)
  })

  it('judges "no worse than first fit" strictly, as measured', () => {
    const tree = report.slice(report.indexOf('tree-64'))
    expect(line(tree, 'mean queue wait')).toMatch(/3\.29 h .*3\.13 h .*≤ first fit .*│ missed /)
    expect(line(tree, 'utilization')).toMatch(/84\.5% .*84\.4% .*≥ first fit .*│ met /)
    expect(line(report, 'utilization')).toMatch(/77\.1% .*77\.2% .*│ missed /)
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
