import { existsSync } from 'node:fs'
import { Presets, SingleBar } from 'cli-progress'
import { ZhisuanError, parseServicesFile, type Cluster, type ServiceSpec } from '@zhisuan/domain'
import {
  ServiceFleet,
  autoscalers,
  diurnalRequests,
  fleetDefaults,
  simulate,
  type Autoscaler,
  type RequestRow,
  type ServiceReport,
  type SimConfig,
  type SimJob,
} from '@zhisuan/sim'
import { formatFixed, plural } from '../numbers.js'
import { readInput } from '../load.js'
import { choiceOption, numberOption } from '../options.js'
import type { Io } from '../output.js'
import { prepareReportDir } from '../report/sim-report.js'
import { describeRun, writeServiceReport, type ServiceRun } from '../report/service-report.js'
import { azureConversationTrace, readRequests } from '../requests.js'

/** Seconds between the start of a run and its first request: time to place and load replicas. */
const leadS = 300

/** The flags `zhisuan sim --services` reads beside the run's own. */
export interface ServiceSimFlags {
  services: string
  requests?: string
  autoscaler?: string
  serveAt?: string
  compare?: string
  days?: string
  report?: string
  json?: boolean
}

async function loadServices(path: string): Promise<ServiceSpec[]> {
  return parseServicesFile(path, await readInput(path, '--services'))
}

/** `--requests FILE` for every service, or `--requests name=FILE,name=FILE` per service. */
async function loadRequests(
  flag: string | undefined,
  services: readonly ServiceSpec[],
  start: number,
): Promise<Map<string, RequestRow[]>> {
  if (flag === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      '--services needs --requests TRACE (e.g. data/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv)',
    )
  }
  if (flag.startsWith('diurnal:')) {
    const rows = await diurnal(flag, start)
    return new Map(services.map((s) => [s.name, rows]))
  }
  const files = new Map<string, string>()
  if (existsSync(flag) || !flag.includes('=')) {
    for (const s of services) {
      files.set(s.name, flag)
    }
  } else {
    for (const part of flag.split(',')) {
      const [name = '', file = ''] = part.split('=')
      if (!services.some((s) => s.name === name)) {
        throw new ZhisuanError(
          'invalid-input',
          `--requests: no service named "${name}" (services: ${services.map((s) => s.name).join(', ')})`,
        )
      }
      files.set(name, file)
    }
  }
  const byFile = new Map<string, RequestRow[]>()
  const out = new Map<string, RequestRow[]>()
  for (const s of services) {
    const file = files.get(s.name)
    if (file === undefined) {
      throw new ZhisuanError('invalid-input', `--requests: no trace for service ${s.name}`)
    }
    let rows = byFile.get(file)
    if (rows === undefined) {
      rows = (await readRequests(file)).map((r) => ({ ...r, arrivalS: r.arrivalS + start }))
      byFile.set(file, rows)
    }
    out.set(s.name, rows)
  }
  return out
}

/**
 * `diurnal:HOURS[:PEAK[:TROUGH]]`: a day-shaped Poisson load (requests/s, peak at 14:00) with the
 * shipped Azure hour's lengths; by default its peak is that hour's rate and its trough a quarter
 * of it (an assumed shape, not a measured day).
 */
async function diurnal(flag: string, start: number): Promise<RequestRow[]> {
  const azure = await readRequests(azureConversationTrace)
  const [, hoursText, peakText, troughText] = flag.split(':')
  const hours = numberOption('--requests diurnal hours', hoursText, 0.01, 24 * 365)
  const observed = azure.length / Math.max(1, azure.at(-1)?.arrivalS ?? 1)
  const peak = numberOption('--requests diurnal peak', peakText, 1e-6) ?? observed
  const trough = numberOption('--requests diurnal trough', troughText, 0, peak) ?? peak / 4
  if (hours === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      `--requests: expected diurnal:HOURS[:PEAK[:TROUGH]], got "${flag}"`,
    )
  }
  return diurnalRequests({
    hours,
    peakPerS: peak,
    troughPerS: trough,
    peakHour: 14,
    lengths: azure,
    seed: 1,
    startS: start,
  })
}

/** The autoscalers to run: one, or the two of `--compare autoscaler=A,B`. */
function sides(flags: ServiceSimFlags): { label: string; autoscaler: Autoscaler; chip?: string }[] {
  const autoscaler = choiceOption('--autoscaler', flags.autoscaler, autoscalers) ?? 'model'
  if (flags.compare === undefined) {
    return [{ label: 'run', autoscaler }]
  }
  const match = /^(autoscaler|chip)=([^,]+),([^,]+)$/.exec(flags.compare)
  if (match === null || match[2] === match[3]) {
    throw new ZhisuanError(
      'invalid-input',
      `--compare: with --services, expected autoscaler=A,B (of ${autoscalers.join(', ')}) or chip=A,B (two chip families), got "${flags.compare}"`,
    )
  }
  const [, key, a = '', b = ''] = match
  return [a, b].map((value) =>
    key === 'chip'
      ? { label: `chip=${value}`, autoscaler, chip: value }
      : {
          label: `autoscaler=${value}`,
          autoscaler: choiceOption('--compare autoscaler', value, autoscalers) ?? 'model',
        },
  )
}

/**
 * Runs `zhisuan sim --services FILE --requests TRACE`: the services' requests replayed against
 * replicas the engine places beside the training jobs, over the trace's span (or `--days`), once
 * per autoscaler compared, and once without services to say what training gave up.
 */
export async function runServiceSim(
  io: Io,
  flags: ServiceSimFlags,
  cluster: Cluster,
  jobs: readonly SimJob[],
  config: SimConfig,
): Promise<void> {
  const services = await loadServices(flags.services)
  // the services are deployed before their traffic: requests begin 5 minutes into the run
  const runStart = jobs[0]?.submitS ?? 0
  const serveAt = numberOption('--serve-at', flags.serveAt, 0)
  const lead = serveAt === undefined ? leadS : Math.max(leadS, serveAt * 86_400)
  const requests = await loadRequests(flags.requests, services, runStart + lead)
  const runs = sides(flags)
  const last = Math.max(...[...requests.values()].map((rows) => rows.at(-1)?.arrivalS ?? runStart))
  const horizonS = config.horizonS ?? last - runStart + 600
  if (flags.report !== undefined) {
    await prepareReportDir(flags.report)
  }
  const base: SimConfig = { ...config, horizonS }
  const bar = new SingleBar(
    { format: '{label} [{bar}] minute {value}/{total}', stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  )
  const minutes = Math.ceil(horizonS / 60)
  const progress = (label: string) => {
    bar.start(minutes, 0, { label })
    return (t: number) => {
      bar.update(Math.min(minutes, Math.floor((t - runStart) / 60)), { label })
    }
  }
  // every side's services planned (chip, model, SLO) before the long runs, naming the side
  const fleets = runs.map((side) => {
    // a chip mix compared: every service on that family instead
    const onChip =
      side.chip === undefined
        ? services
        : services.map((svc) => ({ ...svc, chip: { family: side.chip ?? '' } }))
    const make = () =>
      new ServiceFleet(cluster, onChip, requests, { ...fleetDefaults, autoscaler: side.autoscaler })
    try {
      make()
    } catch (error) {
      if (error instanceof ZhisuanError && flags.compare !== undefined) {
        throw new ZhisuanError(error.code, `--compare ${side.label}: ${error.message}`)
      }
      throw error
    }
    return make
  })
  let update = progress('training alone')
  const alone = simulate(cluster, jobs, {
    ...base,
    onProgress: (t) => {
      update(t)
    },
  })
  bar.stop()
  const results: ServiceRun[] = []
  for (const [i, side] of runs.entries()) {
    const started = performance.now()
    const fleet = (fleets[i] as () => ServiceFleet)()
    update = progress(side.label)
    const result = simulate(cluster, jobs, {
      ...base,
      services: fleet,
      onProgress: (t) => {
        update(t)
      },
    })
    bar.update(minutes)
    bar.stop()
    const report = fleet.report(runStart + horizonS)
    const serving = report.services.reduce((s, r) => s + r.acceleratorHours, 0)
    const training = result.allocatedAcceleratorHours - serving
    const givenUp = alone.allocatedAcceleratorHours - training
    results.push({
      label: side.label,
      services: report.services,
      training: {
        acceleratorHours: round(training),
        withoutServicesAcceleratorHours: round(alone.allocatedAcceleratorHours),
        givenUpAcceleratorHours: round(givenUp),
        givenUpShare: round(
          alone.allocatedAcceleratorHours > 0 ? givenUp / alone.allocatedAcceleratorHours : 0,
          4,
        ),
        preempted: report.trainingPreempted,
        lostAcceleratorHours: round(report.trainingLostAcceleratorHours),
      },
      wallSeconds: Math.round((performance.now() - started) / 10) / 100,
    })
  }
  if (flags.report !== undefined) {
    const files = await writeServiceReport(flags.report, cluster, flags, results)
    io.err(`report: ${plural(files.length, 'file')} in ${flags.report}`)
  }
  if (flags.json === true) {
    const strip = (r: ServiceRun) => ({
      ...r,
      services: r.services.map((s) => withoutTimeline(s)),
    })
    io.out(
      JSON.stringify(
        results.length === 1
          ? strip(results[0] as ServiceRun)
          : Object.fromEntries(results.map((r) => [r.label, strip(r)])),
        null,
        2,
      ),
    )
    return
  }
  io.out(
    `${cluster.name}: ${plural(services.length, 'service')}, ${plural(jobs.length, 'training job')}, ${formatFixed(horizonS / 3600, 2)} h`,
  )
  for (const r of results) {
    io.out(describeRun(r))
  }
}

/** A service's figures without its timeline (the JSON summary; the report keeps it). */
function withoutTimeline(s: ServiceReport): Omit<ServiceReport, 'timeline'> {
  const copy: { -readonly [K in keyof ServiceReport]?: ServiceReport[K] } = { ...s }
  delete copy.timeline
  return copy as Omit<ServiceReport, 'timeline'>
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits
