import { readFile } from 'node:fs/promises'
import { ZhisuanError, defaultCatalog, parseClusterFile, type Cluster } from '@zhisuan/domain'

/**
 * A text file the command was given; `flag` names the option it came from in the error.
 * @throws ZhisuanError `not-found`, with the reason, when it cannot be read.
 */
export async function readInput(path: string, flag?: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (cause) {
    const where = flag === undefined ? '' : `${flag}: `
    const reason = (cause as Error).message
    throw new ZhisuanError('not-found', `${where}cannot read ${path}: ${reason}`, { cause })
  }
}

/**
 * Reads and validates a cluster file, timing the fabric build.
 * @throws ZhisuanError `not-found` when the file cannot be read, `invalid-config` when it is wrong.
 */
export async function loadClusterFile(
  path: string,
): Promise<{ cluster: Cluster; buildMs: number }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    const reason =
      (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause)
    throw new ZhisuanError('not-found', `cannot read cluster file ${path}: ${reason}`, { cause })
  }
  const catalog = defaultCatalog()
  const started = performance.now()
  const cluster = parseClusterFile(path, text, catalog)
  return { cluster, buildMs: performance.now() - started }
}
