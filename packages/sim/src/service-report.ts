import type { ServiceSpec } from '@zhisuan/domain'
import type { Replica } from '@zhisuan/perf'
import { quantile } from './metrics.js'
import type { ServedRequest } from './serving-replica.js'

/** One autoscaler pass: seconds from the first request, replicas serving, arrivals per second. */
export interface ServiceSample {
  readonly t: number
  readonly replicas: number
  readonly ratePerS: number
}

/** What a service did in a twin run. */
export interface ServiceReport {
  readonly name: string
  readonly chip: string
  readonly tp: number
  /** Requests per second one replica carries within the SLO (the serving model). */
  readonly capacityPerReplica: number
  readonly slo: { readonly ttftP99S: number; readonly tpotP99S: number }
  readonly requests: number
  readonly served: number
  /** Share of all requests (unserved ones miss) with TTFT and TPOT within the SLO. */
  readonly sloAttainment: number
  readonly ttftS: { readonly p50: number; readonly p99: number }
  readonly tpotS: { readonly p50: number; readonly p99: number }
  /** Replicas serving over the passes: fewest, mean, most. */
  readonly replicas: { readonly min: number; readonly mean: number; readonly max: number }
  readonly tokensServed: number
  /** Accelerator-hours its replicas held, loading included. */
  readonly acceleratorHours: number
  /** Every autoscaler pass, and per minute the requests' TTFT p99 (for charts). */
  readonly timeline: {
    readonly samples: readonly ServiceSample[]
    readonly minutes: readonly { readonly t: number; readonly ttftP99S: number }[]
  }
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits

export function serviceReport(
  spec: ServiceSpec,
  replica: Replica,
  capacity: number,
  requests: readonly ServedRequest[],
  samples: readonly ServiceSample[],
  acceleratorS: number,
): ServiceReport {
  const served = requests.filter(
    (r): r is ServedRequest & { firstTokenS: number; finishS: number } =>
      r.firstTokenS !== undefined && r.finishS !== undefined,
  )
  const ttft = (r: { arrivalS: number; firstTokenS: number }) => r.firstTokenS - r.arrivalS
  const tpot = (r: { firstTokenS: number; finishS: number; outputTokens: number }) =>
    r.outputTokens > 1 ? (r.finishS - r.firstTokenS) / (r.outputTokens - 1) : 0
  const ttfts = served.map(ttft).sort((a, b) => a - b)
  const tpots = served
    .filter((r) => r.outputTokens > 1)
    .map(tpot)
    .sort((a, b) => a - b)
  const met = served.filter(
    (r) => ttft(r) <= spec.slo.ttftP99S && tpot(r) <= spec.slo.tpotP99S,
  ).length
  // replicas while the traffic lasts (passes before it deploy the service)
  const counts = samples.filter((s) => s.t >= 0).map((s) => s.replicas)
  const start = requests[0]?.arrivalS ?? 0
  const minutes = new Map<number, number[]>()
  for (const r of served) {
    const m = Math.floor((r.arrivalS - start) / 60)
    const list = minutes.get(m) ?? []
    list.push(ttft(r))
    minutes.set(m, list)
  }
  return {
    name: spec.name,
    chip: replica.chip.id,
    tp: replica.tp,
    capacityPerReplica: round(capacity, 3),
    slo: spec.slo,
    requests: requests.length,
    served: served.length,
    sloAttainment: round(requests.length === 0 ? 1 : met / requests.length),
    ttftS: { p50: round(quantile(ttfts, 0.5)), p99: round(quantile(ttfts, 0.99)) },
    tpotS: { p50: round(quantile(tpots, 0.5)), p99: round(quantile(tpots, 0.99)) },
    replicas: {
      min: counts.length === 0 ? 0 : counts.reduce((a, b) => Math.min(a, b), Infinity),
      mean: round(counts.length === 0 ? 0 : counts.reduce((a, b) => a + b, 0) / counts.length, 2),
      max: counts.reduce((a, b) => Math.max(a, b), 0),
    },
    tokensServed: served.reduce((sum, r) => sum + r.outputTokens, 0),
    acceleratorHours: round(acceleratorS / 3600, 3),
    timeline: {
      samples,
      minutes: [...minutes.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([m, list]) => ({
          t: m * 60,
          ttftP99S: round(
            quantile(
              [...list].sort((a, b) => a - b),
              0.99,
            ),
          ),
        })),
    },
  }
}
