import type { Command } from 'commander'
import { ZhisuanError } from '@zhisuan/domain'
import { fitEpisodes, parseEpisodeHistory } from '@zhisuan/sim'
import { plural } from '../numbers.js'
import type { Io } from '../output.js'
import { writeAtomic } from '../report/sim-report.js'
import { api, withClient, type ClientFlags } from './client.js'

interface EpisodesFlags extends ClientFlags {
  from?: string
  to?: string
  out: string
}

/** A time flag: Unix seconds, or a date/time Date.parse reads (ISO 8601). */
export function timeOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined
  }
  const n = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Date.parse(text) / 1000
  if (!Number.isFinite(n) || n < 0) {
    throw new ZhisuanError(
      'invalid-input',
      `${flag}: expected Unix seconds or an ISO date/time, got "${text}"`,
    )
  }
  return n
}

/** Runs `zhisuan fabric episodes`: exports the network history for `sim --loss-episodes-from`. */
export async function runFabricEpisodes(io: Io, flags: EpisodesFlags): Promise<void> {
  const from = timeOption('--from', flags.from)
  const to = timeOption('--to', flags.to)
  const q = [
    ...(from === undefined ? [] : [`from=${from}`]),
    ...(to === undefined ? [] : [`to=${to}`]),
  ].join('&')
  const answer = await api(flags, 'GET', `/api/v1/fabric/episodes${q === '' ? '' : `?${q}`}`)
  // what the twin will read back: check it now, not when a what-if fails on it
  const history = parseEpisodeHistory(answer, 'the server’s answer')
  await writeAtomic(flags.out, `${JSON.stringify(answer, null, 2)}\n`)
  const fit = fitEpisodes(history)
  if (flags.json === true) {
    io.out(JSON.stringify({ out: flags.out, episodes: history.episodes.length, fit }, null, 2))
    return
  }
  io.out(
    `${plural(history.episodes.length, 'port episode')} on ${plural(history.leaves.length, 'leaf', 'leaves')} over ${fit.days.toFixed(2)} days in ${flags.out}` +
      ` (fitted: ${fit.overall.perDay.toPrecision(3)} a leaf a day, loss ${fit.overall.lossRate.toPrecision(3)}, ${fit.overall.minutes.toFixed(1)} min)`,
  )
}

/** Registers `zhisuan fabric`. */
export function registerFabric(program: Command, io: Io): void {
  const fabric = program.command('fabric').description('the network fabric’s health and history')
  withClient(
    fabric
      .command('episodes')
      .description(
        'export the network episodes the agents reported (per port: kind, loss, start, end) for `zhisuan sim --loss-episodes-from` (admin or viewer)',
      )
      .option('--from <time>', 'window start: Unix seconds or ISO date/time (default: the first)')
      .option('--to <time>', 'window end (default now)')
      .requiredOption('--out <file>', 'write the JSON export here'),
  ).action(async (flags: EpisodesFlags) => {
    await runFabricEpisodes(io, flags)
  })
}
