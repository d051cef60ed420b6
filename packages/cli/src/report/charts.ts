import * as echarts from 'echarts'
import { Resvg } from '@resvg/resvg-js'

/** One line of a time chart. */
export interface Line {
  readonly name: string
  readonly points: readonly (readonly [number, number])[]
}

const size = { width: 900, height: 360 }

/** Renders an ECharts option to SVG on the server (no DOM, no animation). */
export function renderSvg(option: echarts.EChartsOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, ...size })
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', ...option })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

/** Rasterizes an SVG to PNG (resvg). */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'width', value: size.width } }).render().asPng()
}

/** A line chart over simulated time (days unless `xName` says otherwise). */
export function timeChart(
  title: string,
  yName: string,
  lines: readonly Line[],
  percent = false,
  xName = 'day',
): string {
  return renderSvg({
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0, itemGap: 24 },
    grid: { left: 70, right: 30, top: 40, bottom: 60 },
    xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 25 },
    yAxis: { type: 'value', name: yName, ...(percent ? { max: 100 } : {}) },
    series: lines.map((l) => ({
      type: 'line',
      name: l.name,
      showSymbol: false,
      data: l.points.map(([x, y]) => [x, y]),
    })),
  })
}

/** A grouped bar chart. */
export function barChart(
  title: string,
  categories: readonly string[],
  bars: readonly { name: string; values: readonly number[] }[],
  unit = 'jobs',
): string {
  return renderSvg({
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0, itemGap: 24 },
    grid: { left: 70, right: 30, top: 40, bottom: 60 },
    xAxis: { type: 'category', data: [...categories] },
    yAxis: { type: 'value', name: unit },
    series: bars.map((b) => ({ type: 'bar', name: b.name, data: [...b.values] })),
  })
}
