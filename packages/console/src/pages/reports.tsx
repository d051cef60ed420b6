import { useMemo, useState, type ChangeEvent } from 'react'
import type { ChartOption } from '../components/chart'
import { Chart } from '../components/lazy-chart'
import { Empty, ErrorBox } from '../components/common'
import { parseSimReport, reportRows, timelinePoints, type SimReport } from '../lib/sim-report'

/** Opens a `zhisuan sim --report` report.json and shows its tables and charts. */
export function ReportsPage() {
  const [report, setReport] = useState<{ name: string; report: SimReport } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const open = async (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])]
    const file = files.find((f) => f.name === 'report.json') ?? files[0]
    if (file === undefined) {
      return
    }
    try {
      setReport({ name: file.name, report: parseSimReport(await file.text()) })
      setError(null)
    } catch (cause) {
      setReport(null)
      setError(cause)
    }
  }
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Simulation reports</h1>
      <p>
        Open the <code>report.json</code> that <code>zhisuan sim --report DIR</code> wrote (it stays
        in this browser; nothing is uploaded).
      </p>
      <div className="filters">
        <label>
          report.json file
          <input type="file" accept=".json,application/json" onChange={(e) => void open(e)} />
        </label>
        <label>
          or a report directory
          <input
            type="file"
            // a directory picker: Chromium and Firefox know this attribute
            {...{ webkitdirectory: '' }}
            onChange={(e) => void open(e)}
          />
        </label>
      </div>
      {error === null ? null : <ErrorBox error={error} title="Cannot read the report" />}
      {report === null ? (
        error === null ? (
          <Empty>No report open.</Empty>
        ) : null
      ) : (
        <ReportView report={report.report} />
      )}
    </section>
  )
}

function ReportView({ report }: { report: SimReport }) {
  const rows = reportRows(report)
  const lines = (pick: 'utilization' | 'pending' | 'failures', scale = 1): ChartOption => ({
    tooltip: { trigger: 'axis' },
    legend: { data: report.runs.map((r) => r.label), top: 0 },
    grid: { left: 50, right: 20, top: 50, bottom: 40 },
    xAxis: { type: 'value', name: 'days', nameLocation: 'middle', nameGap: 25 },
    yAxis: { type: 'value' },
    series: report.runs.map((r) => ({
      name: r.label,
      type: 'line',
      showSymbol: false,
      data: timelinePoints(r.result, pick, scale),
    })),
  })
  const ettr = useMemo((): ChartOption => {
    const buckets = Object.keys(report.runs[0]?.result.ettr.histogram ?? {})
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: report.runs.map((r) => r.label), top: 0 },
      grid: { left: 50, right: 20, top: 50, bottom: 30 },
      xAxis: { type: 'category', data: buckets.map((b) => `≥ ${b}`) },
      yAxis: { type: 'value', name: 'jobs' },
      series: report.runs.map((r) => ({
        name: r.label,
        type: 'bar',
        data: buckets.map((b) => r.result.ettr.histogram[b] ?? 0),
      })),
    }
  }, [report])
  return (
    <>
      <h2>{report.title}</h2>
      {Object.keys(report.settings).length === 0 ? null : (
        <dl className="facts">
          {Object.entries(report.settings).map(([k, v]) => (
            <div key={k} className="fact">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            {report.runs.map((r) => (
              <th key={r.label} scope="col">
                {r.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.figure}>
              <th scope="row">{row.figure}</th>
              {row.values.map((v, i) => (
                <td key={i}>{v}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Accelerator utilization (%)</h3>
      <Chart
        option={lines('utilization', 100)}
        label="Accelerator utilization over simulated days"
      />
      <h3>Queue length</h3>
      <Chart option={lines('pending')} label="Pending jobs over simulated days" />
      <h3>Failures (cumulative)</h3>
      <Chart option={lines('failures')} label="Cumulative failures over simulated days" />
      <h3>Jobs by ETTR</h3>
      <Chart option={ettr} label="Jobs by effective training time ratio" />
    </>
  )
}
