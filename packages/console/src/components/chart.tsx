import { BarChart, LineChart } from 'echarts/charts'
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { useEffect, useRef } from 'react'
import { chartColors } from '../lib/contrast'

echarts.use([
  LineChart,
  BarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  AriaComponent,
  SVGRenderer,
])

export type ChartOption = echarts.EChartsCoreOption

export interface ChartProps {
  readonly option: ChartOption
  readonly label: string
  readonly height?: number
}

/** An ECharts chart that follows its option and its box's size; `label` names it for readers. */
export function Chart({ option, label, height = 280 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const chart = useRef<echarts.ECharts | null>(null)
  useEffect(() => {
    const el = box.current
    if (el === null) {
      return undefined
    }
    const c = echarts.init(el, undefined, { renderer: 'svg' })
    chart.current = c
    const observer = new ResizeObserver(() => {
      c.resize()
    })
    observer.observe(el)
    return () => {
      observer.disconnect()
      c.dispose()
      chart.current = null
    }
  }, [])
  useEffect(() => {
    chart.current?.setOption(
      { aria: { enabled: true }, animation: false, color: [...chartColors], ...option },
      true,
    )
  }, [option])
  return <div ref={box} className="chart" role="img" aria-label={label} style={{ height }} />
}
