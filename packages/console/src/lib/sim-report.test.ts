import { describe, expect, it } from 'vitest'
import { parseSimReport, reportRows, timelinePoints } from './sim-report'

const run = {
  jobs: { submitted: 10, completed: 9 },
  utilization: 0.5,
  queueWaitS: { p50: 3600, p99: 7200 },
  jctS: { p50: 36_000, p99: 72_000 },
  failures: { count: 2, per1000AcceleratorDays: 0.16 },
  interruptions: 3,
  placementSlowdown: 1.01,
  ettr: { overall: 0.95, largestJobs: 0.9, histogram: { '0.9': 4 } },
  goodputAcceleratorHours: 1234.4,
  simulatedDays: 2,
  events: 500,
  timeline: { t: [100, 86_500], utilization: [0.25, 0.5], pending: [1, 2], failures: [0, 2] },
}

describe('simulation reports', () => {
  it('reads report.json and lays out its table like report.md', () => {
    const report = parseSimReport(
      JSON.stringify({ title: 'sim', settings: { seed: 7 }, runs: { base: run } }),
    )
    expect(report.settings).toEqual({ seed: '7' })
    const rows = reportRows(report)
    expect(rows.find((r) => r.figure === 'utilization')?.values).toEqual(['50.0%'])
    expect(rows.find((r) => r.figure.startsWith('failures'))?.values).toEqual(['2 (0.160)'])
    expect(timelinePoints(report.runs[0]?.result ?? run, 'utilization', 100)).toEqual([
      [0, 25],
      [1, 50],
    ])
  })

  it('says what is wrong with a file that is not a report', () => {
    expect(() => parseSimReport('{')).toThrow(/not JSON/)
    expect(() => parseSimReport('{"verdicts": []}')).toThrow(/not a simulation report/)
    expect(() => parseSimReport('{"title": "t", "runs": {}}')).toThrow(/no runs/)
    expect(() => parseSimReport('{"title": "t", "runs": {"a": {}}}')).toThrow(/run "a"/)
  })
})
