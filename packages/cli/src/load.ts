import { readFile } from 'node:fs/promises'
import { ZhisuanError, defaultCatalog, parseClusterFile, type Cluster } from '@zhisuan/domain'

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
