import { useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { api, unwrap } from '../api/client'
import type { Service, ServiceSample } from '../api/types'
import type { ChartOption } from '../components/chart'
import { Chart } from '../components/lazy-chart'
import { Empty, ErrorBox, Loading, TableHead } from '../components/common'
import { count, counted, percent } from '../lib/format'

/** Model services: replicas wanted and running, the load reported, and their history. */
export function ServicesPage() {
  const services = useQuery({
    queryKey: ['services'],
    refetchInterval: 5000,
    queryFn: async () => unwrap(await api.GET('/api/v1/services')),
  })
  const [chosen, setChosen] = useState<string | undefined>(undefined)
  const list = services.data?.services ?? []
  const shown = chosen ?? list[0]?.name
  return (
    <section aria-labelledby="services-title">
      <h1 id="services-title">Services</h1>
      <p>
        Model services: each replica is a gang of its chip on one node, placed by the scheduler like
        any job and counted in <code>llm-decode</code>. The autoscaler sets the replicas from the
        load a service reports and what one replica carries within its SLO.
      </p>
      {services.isError ? <ErrorBox error={services.error} title="Cannot list services" /> : null}
      {services.data === undefined ? (
        services.isError ? null : (
          <Loading what="services" />
        )
      ) : list.length === 0 ? (
        <Empty>
          No services yet (<code>zhisuan service create FILE</code>, or POST /api/v1/services).
        </Empty>
      ) : (
        <>
          <ServiceTable services={list} chosen={shown} onChoose={setChosen} />
          {shown === undefined ? null : <ServiceHistory name={shown} />}
        </>
      )}
    </section>
  )
}

function ServiceTable({
  services,
  chosen,
  onChoose,
}: {
  services: readonly Service[]
  chosen: string | undefined
  onChoose: (name: string) => void
}) {
  return (
    <table data-testid="services">
      <caption className="sr-only">Services, their replicas and load</caption>
      <TableHead
        columns={[
          'Service',
          'Tenant',
          'Model',
          'Replica',
          { label: 'Running', num: true },
          { label: 'Wanted', num: true },
          { label: 'Load (requests/s)', num: true },
          { label: 'Capacity per replica', num: true },
        ]}
      />
      <tbody>
        {services.map((s) => (
          <tr key={s.name}>
            <th scope="row">
              <button
                type="button"
                className="text-button"
                aria-pressed={s.name === chosen}
                onClick={() => {
                  onChoose(s.name)
                }}
              >
                {s.name}
              </button>
            </th>
            <td>{s.tenant}</td>
            <td>
              {s.spec.model} {s.spec.precision ?? 'bf16'}
            </td>
            <td>
              {s.tp} × {s.family}
            </td>
            <td className="num">{count(s.replicas.filter((r) => r.state === 'running').length)}</td>
            <td className="num">{count(s.desiredReplicas)}</td>
            <td className="num">{s.loadRps.toFixed(2)}</td>
            <td className="num">{s.capacityRps.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** Replicas, load and SLO attainment at each load report of the last day. */
function ServiceHistory({ name }: { name: string }) {
  const samples = useQuery({
    queryKey: ['service-samples', name],
    refetchInterval: 5000,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/services/{name}/samples', { params: { path: { name } } })),
  })
  const items = samples.data?.items ?? []
  const option = useMemo(() => historyOption(items), [items])
  const last = items.at(-1)
  return (
    <>
      <h2>{name} over time</h2>
      {samples.isError ? <ErrorBox error={samples.error} title="Cannot load its history" /> : null}
      {items.length < 2 ? (
        <Empty>Fewer than two load reports yet (POST /api/v1/services/{name}/load).</Empty>
      ) : (
        <>
          <p>
            Last report: {last?.loadRps.toFixed(2)} requests/s, {count(last?.running ?? 0)} of{' '}
            {counted(last?.desired ?? 0, 'replica', 'replicas')} running
            {last?.sloAttainment === null || last === undefined
              ? ''
              : `, ${percent(last.sloAttainment)} of requests within the SLO`}
            .
          </p>
          <Chart
            option={option}
            label={`${name}: replicas wanted and running, load in requests per second and the share of requests within the SLO at each load report`}
          />
        </>
      )}
    </>
  )
}

function historyOption(items: readonly ServiceSample[]): ChartOption {
  const at = (s: ServiceSample) => s.at * 1000
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: ['Running', 'Wanted', 'Load', 'Within SLO %'], top: 0 },
    grid: { left: 50, right: 60, top: 50, bottom: 30 },
    xAxis: { type: 'time' },
    yAxis: [
      { type: 'value', name: 'replicas · req/s', minInterval: 1 },
      { type: 'value', name: '%', min: 0, max: 100 },
    ],
    series: [
      {
        name: 'Running',
        type: 'line',
        step: 'end',
        showSymbol: false,
        data: items.map((s) => [at(s), s.running]),
      },
      {
        name: 'Wanted',
        type: 'line',
        step: 'end',
        showSymbol: false,
        data: items.map((s) => [at(s), s.desired]),
      },
      { name: 'Load', type: 'line', showSymbol: false, data: items.map((s) => [at(s), s.loadRps]) },
      {
        name: 'Within SLO %',
        type: 'line',
        yAxisIndex: 1,
        showSymbol: false,
        data: items.flatMap((s) =>
          s.sloAttainment === null ? [] : [[at(s), s.sloAttainment * 100]],
        ),
      },
    ],
  }
}
