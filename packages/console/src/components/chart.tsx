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
      {
        aria: { enabled: true },
        animation: false,
        color: [...chartColors],
        ...option,
        ...underPolicy(option),
      },
      true,
    )
  }, [option])
  // `style` here is a CSSOM write (element.style.height), which the page's CSP does not govern
  return <div ref={box} className="chart" role="img" aria-label={label} style={{ height }} />
}

/**
 * The option's tooltip drawn inside the chart's SVG (`richText`), not as HTML: ECharts writes its
 * HTML tooltip as markup with `style` attributes, which the console's Content-Security-Policy
 * (`style-src 'self'`, no `'unsafe-inline'`) refuses, leaving an unstyled box.
 */
function underPolicy(option: ChartOption): ChartOption {
  const tooltip: unknown = option['tooltip']
  return tooltip !== null && typeof tooltip === 'object' && !Array.isArray(tooltip)
    ? { tooltip: { ...tooltip, renderMode: 'richText' } }
    : {}
}
