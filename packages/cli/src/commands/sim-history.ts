import { readFile } from 'node:fs/promises'
import type { Cluster } from '@zhisuan/domain'
import { ZhisuanError } from '@zhisuan/domain'
import { fitEpisodes, networkFromFit, parseEpisodeHistory, type SimConfig } from '@zhisuan/sim'
import { plural } from '../numbers.js'
import type { Io } from '../output.js'

/**
 * `--loss-episodes-from FILE`: the twin's loss episodes fitted from a network history (the JSON
 * `zhisuan fabric episodes --out` writes): per leaf when the history's leaves are the cluster's,
 * else the cluster-wide means on every leaf; none when it holds no episode. Says which on stderr.
 */
export async function lossEpisodesFrom(
  io: Io,
  path: string,
  cluster: Cluster,
): Promise<Pick<SimConfig, 'network'>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ZhisuanError('invalid-input', `--loss-episodes-from: cannot read ${path}`, { cause })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new ZhisuanError(
      'invalid-input',
      `${path}: not JSON (${(cause as Error).message}); expected what \`zhisuan fabric episodes --out\` writes`,
      { cause },
    )
  }
  const fit = fitEpisodes(parseEpisodeHistory(json, path))
  const { network, perLeaf } = networkFromFit(fit, cluster.fabric.blocks.length)
  const leafEpisodes = fit.leaves.reduce((s, l) => s + l.episodes, 0)
  if (network === undefined) {
    io.err(`history: no loss episode in ${fit.days.toFixed(2)} days: the twin runs without any`)
    return {}
  }
  io.err(
    `history: ${plural(leafEpisodes, 'leaf episode')} in ${fit.days.toFixed(2)} days, ` +
      (perLeaf
        ? `fitted per leaf (${plural(fit.leaves.length, 'leaf', 'leaves')})`
        : `its ${plural(fit.leaves.length, 'leaf', 'leaves')} are not this cluster's ${cluster.fabric.blocks.length}: cluster-wide means on every leaf`) +
      `; mean ${network.perLeafPerDay.toPrecision(3)} a leaf a day, loss ${network.lossRate.toPrecision(3)}, ${network.minutes.toFixed(1)} min`,
  )
  return { network }
}
