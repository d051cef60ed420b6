import { useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { api, unwrap } from '../api/client'
import type { Overview, Summary } from '../api/types'
import type { ChartOption } from '../components/chart'
import { Chart } from '../components/lazy-chart'
import { Empty, ErrorBox, Loading, Stat, TableHead } from '../components/common'
import { count, counted, percent, scu } from '../lib/format'
import { timeWindows, windowFrom } from '../lib/windows'

const windowKey = 'zhisuan.window'

/**
 * Capacity by family (in service, drained, failed), allocation over time, each tenant's running
 * and pending accelerators, the queue, failure rate and ETTR.
 */
export function OverviewPage() {
  const [windowS, setWindowS] = useState(() => windowFrom(sessionStorage.getItem(windowKey)))
  const overview = useQuery({
    queryKey: ['overview', windowS],
    refetchInterval: 5000,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/cluster/overview', { params: { query: { windowS } } })),
  })
  const summary = useQuery({
    queryKey: ['summary', windowS],
    refetchInterval: 5000,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/cluster/summary', { params: { query: { windowS } } })),
  })
  return (
    <section aria-labelledby="overview-title">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        <label className="inline">
          Time window{' '}
          <select
            value={windowS}
            onChange={(e) => {
              const s = Number(e.target.value)
              sessionStorage.setItem(windowKey, String(s))
              setWindowS(s)
            }}
          >
            {timeWindows.map((w) => (
              <option key={w.seconds} value={w.seconds}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {overview.isError ? (
        <ErrorBox error={overview.error} title="Cannot load the overview" />
      ) : null}
      {summary.isError ? <ErrorBox error={summary.error} title="Cannot load the summary" /> : null}
      {overview.data === undefined ? (
        overview.isError ? null : (
          <Loading what="the cluster" />
        )
      ) : (
        <OverviewBody overview={overview.data} summary={summary.data} />
      )}
    </section>
  )
}

function OverviewBody({ overview, summary }: { overview: Overview; summary: Summary | undefined }) {
  const total = overview.families.reduce((s, f) => s + f.total, 0)
  const allocated = overview.families.reduce((s, f) => s + f.allocated, 0)
  const inService = overview.families.reduce((s, f) => s + f.healthy, 0)
  const drained = overview.families.reduce((s, f) => s + f.drained, 0)
  const unhealthy = overview.families.reduce((s, f) => s + f.unhealthy, 0)
  const scuTotal = overview.families.reduce((s, f) => s + f.scuTotal, 0)
  const scuAllocated = overview.families.reduce((s, f) => s + f.scuAllocated, 0)
  const option = useMemo((): ChartOption => {
    const points = overview.series.map((s) => [
      s.at * 1000,
      s.total > 0 ? (s.allocated / s.total) * 100 : 0,
    ])
    const queue = overview.series.map((s) => [s.at * 1000, s.pending])
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: ['Allocation %', 'Pending jobs'], top: 0 },
      grid: { left: 50, right: 50, top: 50, bottom: 30 },
      // from the first sample in the window (a new cluster has only minutes of them) to now
      xAxis: { type: 'time', min: 'dataMin', max: overview.at * 1000 },
      yAxis: [
        { type: 'value', name: '%', min: 0, max: 100 },
        { type: 'value', name: 'jobs', minInterval: 1 },
      ],
      series: [
        { name: 'Allocation %', type: 'line', showSymbol: false, data: points, step: 'end' },
        {
          name: 'Pending jobs',
          type: 'line',
          showSymbol: false,
          yAxisIndex: 1,
          data: queue,
          step: 'end',
        },
      ],
    }
  }, [overview.series, overview.at])
  return (
    <>
      <div className="stats">
        <Stat label="Accelerators" value={count(total)} hint={scu(scuTotal)} />
        <Stat
          label="Allocation (allocated / total)"
          value={percent(total > 0 ? allocated / total : 0)}
          hint={`${counted(allocated, 'accelerator', 'accelerators')} · ${scu(scuAllocated)}`}
        />
        <Stat
          label="Healthy accelerators"
          value={count(total - unhealthy)}
          hint={`${count(inService)} in service · ${count(drained)} drained · ${count(unhealthy)} failed or degraded`}
        />
        <Stat
          label="Queue"
          value={`${count(overview.queue.pending)} pending`}
          hint={`${count(overview.queue.running)} running`}
        />
        <Stat
          label="Failures per 1,000 accelerators per day"
          value={summary === undefined ? '…' : summary.failures.per1000AcceleratorDays.toFixed(3)}
          hint={
            summary === undefined
              ? undefined
              : `${counted(summary.failures.count, 'failure', 'failures')} in the window`
          }
        />
        <Stat
          label="ETTR of running jobs"
          value={summary === undefined ? '…' : percent(summary.ettrRunning)}
          hint="productive time over wall time"
        />
      </div>
      <h2>By chip family</h2>
      {overview.families.length === 0 ? (
        <Empty>The cluster has no accelerators.</Empty>
      ) : (
        <div className="scroll-x">
          <table>
            <caption className="sr-only">
              Accelerators by chip family: in service, drained (healthy, taking no new work), and
              failed or degraded
            </caption>
            <TableHead
              columns={[
                'Family',
                'Model',
                { label: 'Total', num: true },
                { label: 'Allocated', num: true },
                { label: 'In service', num: true },
                { label: 'Drained', num: true },
                { label: 'Failed or degraded', num: true },
                { label: 'SCU each', num: true },
                { label: 'SCU total', num: true },
                { label: 'SCU allocated', num: true },
                { label: 'SCU in service', num: true },
              ]}
            />
            <tbody>
              {overview.families.map((f) => (
                <tr key={f.family}>
                  <th scope="row">{f.family}</th>
                  <td>{f.model}</td>
                  <td className="num">{count(f.total)}</td>
                  <td className="num">{count(f.allocated)}</td>
                  <td className="num">{count(f.healthy)}</td>
                  <td className="num">{count(f.drained)}</td>
                  <td className="num">{count(f.unhealthy)}</td>
                  <td className="num">{f.scuEach.toFixed(2)}</td>
                  <td className="num">{scu(f.scuTotal)}</td>
                  <td className="num">{scu(f.scuAllocated)}</td>
                  <td className="num">{scu(f.scuHealthy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>By tenant: running and waiting</h2>
      <TenantDemand tenants={overview.tenants} />
      <h2>Allocation and queue over time</h2>
      {overview.series.length < 2 ? (
        <Empty>No samples in this window yet; the server records one every 15 seconds.</Empty>
      ) : (
        <Chart
          option={option}
          label="Accelerator allocation (allocated over total accelerators) and pending jobs over the selected window"
        />
      )}
    </>
  )
}

/** Accelerators each tenant's running jobs hold and its pending jobs ask for. */
function TenantDemand({ tenants }: { tenants: Overview['tenants'] }) {
  if (tenants.length === 0) {
    return <Empty>No tenant runs or waits for anything.</Empty>
  }
  return (
    <table data-testid="tenant-demand">
      <caption className="sr-only">
        Per tenant: the accelerators its running jobs hold and those its pending jobs ask for
      </caption>
      <TableHead
        columns={[
          'Tenant',
          { label: 'Running jobs', num: true },
          { label: 'Accelerators running', num: true },
          { label: 'Pending jobs', num: true },
          { label: 'Accelerators asked by pending jobs', num: true },
        ]}
      />
      <tbody>
        {tenants.map((t) => (
          <tr key={t.tenant ?? '(others)'}>
            <th scope="row">{t.tenant ?? 'other tenants (together)'}</th>
            <td className="num">{count(t.running.jobs)}</td>
            <td className="num">{count(t.running.accelerators)}</td>
            <td className="num">{count(t.pending.jobs)}</td>
            <td className="num">{count(t.pending.accelerators)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
