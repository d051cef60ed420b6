import { ZhisuanError } from '@zhisuan/domain'
import { failurePresets, type FailureModel, type SimConfig } from '@zhisuan/sim'
import { choiceOption, intOption, numberOption } from '../options.js'

/** The raw flags of `zhisuan sim`. */
export interface SimFlags {
  cluster: string
  trace?: string
  workload?: string
  days?: string
  seed?: string
  policy?: string
  failureRate?: string
  failurePreset?: string
  checkpointInterval?: string
  stall?: string
  restart?: string
  compare?: string
  report?: string
  jobsOut?: string
  price?: string
  timeScale?: string
  lossEpisodes?: string
  episodeLoss?: string
  episodeMinutes?: string
  lossEpisodesFrom?: string
  services?: string
  requests?: string
  autoscaler?: string
  serveAt?: string
  json?: boolean
}

export const presetNames = Object.keys(failurePresets)

function failureModel(flags: SimFlags): FailureModel | null {
  const preset = choiceOption('--failure-preset', flags.failurePreset, presetNames)
  const base = failurePresets[preset ?? 'industry-0.48'] ?? null
  const rate = numberOption('--failure-rate', flags.failureRate, 0)
  if (base === null || rate === 0) {
    return null
  }
  return rate === undefined
    ? base
    : { ...base, name: `${base.name} at ${rate}`, per1000PerDay: rate }
}

/** The run's settings from its flags. */
export function configOf(flags: SimFlags): SimConfig {
  const interval = flags.checkpointInterval ?? 'auto'
  const minutes =
    interval === 'auto' ? undefined : numberOption('--checkpoint-interval', interval, 1)
  const days = numberOption('--days', flags.days, 0.001)
  return {
    seed: intOption('--seed', flags.seed, 0) ?? 1,
    policy: choiceOption('--policy', flags.policy, ['zhisuan', 'first-fit'] as const) ?? 'zhisuan',
    failures: failureModel(flags),
    checkpoint: {
      intervalS: minutes === undefined ? 'auto' : minutes * 60,
      stallS: numberOption('--stall', flags.stall, 0) ?? 30,
      restartS: numberOption('--restart', flags.restart, 0) ?? 600,
    },
    ...(days === undefined ? {} : { horizonS: days * 86_400 }),
    ...networkEvents(flags),
  }
}

function networkEvents(flags: SimFlags): Pick<SimConfig, 'network'> {
  const perLeafPerDay = numberOption('--loss-episodes', flags.lossEpisodes, 0)
  if (
    flags.lossEpisodesFrom !== undefined &&
    (perLeafPerDay !== undefined ||
      flags.episodeLoss !== undefined ||
      flags.episodeMinutes !== undefined)
  ) {
    throw new ZhisuanError(
      'invalid-input',
      '--loss-episodes-from fits the episodes from a history: give it without --loss-episodes, --episode-loss and --episode-minutes',
    )
  }
  if (perLeafPerDay === undefined || perLeafPerDay === 0) {
    if (flags.episodeLoss !== undefined || flags.episodeMinutes !== undefined) {
      throw new ZhisuanError(
        'invalid-input',
        '--episode-loss and --episode-minutes need --loss-episodes > 0',
      )
    }
    return {}
  }
  return {
    network: {
      perLeafPerDay,
      lossRate: numberOption('--episode-loss', flags.episodeLoss, 0, 1) ?? 1e-3,
      minutes: numberOption('--episode-minutes', flags.episodeMinutes, 0) ?? 30,
    },
  }
}

/** `--compare KEY=A,B`: the flags for each side. */
export function compareSides(flags: SimFlags): { label: string; flags: SimFlags }[] {
  if (flags.compare === undefined) {
    return [{ label: 'run', flags }]
  }
  const match = /^([a-z-]+)=([^,]+),([^,]+)$/.exec(flags.compare)
  const keys: Record<string, keyof SimFlags> = {
    'loss-episodes': 'lossEpisodes',
    'episode-loss': 'episodeLoss',
    policy: 'policy',
    'failure-rate': 'failureRate',
    'failure-preset': 'failurePreset',
    'checkpoint-interval': 'checkpointInterval',
    seed: 'seed',
  }
  const key = match?.[1] === undefined ? undefined : keys[match[1]]
  if (match === null || key === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      `--compare: expected KEY=A,B with KEY one of ${Object.keys(keys).join(', ')}, got "${flags.compare}"`,
    )
  }
  if (match[2] === match[3]) {
    throw new ZhisuanError(
      'invalid-input',
      `--compare: the two values must differ, got "${flags.compare}"`,
    )
  }
  return [match[2] ?? '', match[3] ?? ''].map((value) => ({
    label: `${match[1]}=${value}`,
    flags: { ...flags, [key]: value },
  }))
}
