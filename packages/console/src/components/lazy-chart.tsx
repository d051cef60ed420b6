import { lazy, Suspense } from 'react'
import type { ChartProps } from './chart'

// ECharts is most of the bundle and only two pages draw charts: load it when one does
const ChartImpl = lazy(async () => ({ default: (await import('./chart')).Chart }))

/** A chart (see `./chart`), its library loaded on first use. */
export function Chart(props: ChartProps) {
  return (
    <Suspense
      fallback={<div className="chart" aria-busy="true" style={{ height: props.height ?? 280 }} />}
    >
      <ChartImpl {...props} />
    </Suspense>
  )
}
