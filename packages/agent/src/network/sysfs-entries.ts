import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { netParseError } from './types.js'

/** One file under `/sys/class/infiniband/`, as a dump of the tree shows it. */
export interface SysfsEntry {
  /** The path below `class/infiniband/`: `mlx5_0/ports/1/counters/port_xmit_wait`. */
  readonly path: string
  /** The file's content, lines joined by `\n`, trailing white space trimmed. */
  readonly value: string
  /** The 1-based line where the entry starts. */
  readonly line: number
}

/** The entries of a dump, which form it had, and what was not an entry. */
export interface SysfsDump {
  readonly form: 'grep' | 'ttar'
  readonly entries: readonly SysfsEntry[]
  readonly warnings: readonly string[]
}

const tool = 'sysfs-infiniband'
const marker = 'class/infiniband/'

/** Whether a line names a file of the tree in a `grep -r` dump (`/sys/class/infiniband/x:v`). */
export function isGrepEntry(line: string): boolean {
  const at = line.indexOf(marker)
  if (at < 0 || /\s/.test(line.slice(0, at))) {
    return false
  }
  const colon = line.indexOf(':', at + marker.length)
  return colon > at + marker.length && !/\s/.test(line.slice(at, colon))
}

/** Whether a line opens a ttar block for a file of the tree (`Path: sys/class/infiniband/…`). */
export function isTtarPath(line: string): boolean {
  return line.startsWith('Path: ') && line.includes(marker)
}

/**
 * Reads a dump of `/sys/class/infiniband` in either form: `grep -r . /sys/class/infiniband/`
 * (one `path:value` line per line of each file; a path holds no `:`, a value may) or a ttar
 * archive (`Path:` / `Lines: N` / N value lines / `Mode:` blocks, as prometheus' test
 * fixtures pack a sysfs tree). Lines of neither kind (grep's own complaints, other paths) are
 * counted in a warning; a ttar block cut short keeps the lines it has.
 * @throws ZhisuanError naming the line when a ttar `Path:` is not followed by `Lines: N`.
 */
export function readSysfsDump(text: string): SysfsDump {
  const lines = text.split(/\r?\n/)
  return lines.some(isTtarPath) ? readTtar(lines) : readGrep(lines)
}

function readGrep(lines: readonly string[]): SysfsDump {
  const byPath = new Map<string, { value: string[]; line: number }>()
  let skipped = 0
  lines.forEach((line, i) => {
    if (!isGrepEntry(line)) {
      skipped += line.trim() === '' ? 0 : 1
      return
    }
    const start = line.indexOf(marker) + marker.length
    const colon = line.indexOf(':', start)
    const path = line.slice(start, colon)
    const value = line.slice(colon + 1)
    const seen = byPath.get(path)
    if (seen === undefined) {
      byPath.set(path, { value: [value], line: i + 1 })
    } else {
      // a file of several lines: grep prints its path before each of them
      seen.value.push(value)
    }
  })
  const entries = [...byPath].map(([path, e]) => ({
    path,
    value: e.value.join('\n').trimEnd(),
    line: e.line,
  }))
  const warnings = skipped > 0 ? [`ignored ${skipped} line(s) that name no sysfs file`] : []
  return { form: 'grep', entries, warnings }
}

function readTtar(lines: readonly string[]): SysfsDump {
  const entries: SysfsEntry[] = []
  const warnings: string[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] ?? ''
    if (!line.startsWith('Path: ')) {
      i++
      continue
    }
    const count = /^Lines: (\d+)$/.exec(lines[i + 1] ?? '')?.[1]
    if (count === undefined) {
      throw netParseError(tool, i + 2, `expected "Lines: N" after "${line.slice(0, 80)}"`)
    }
    const n = Number(count)
    const body = lines.slice(i + 2, i + 2 + n)
    if (body.length < n) {
      warnings.push(`the ttar block at line ${i + 1} is cut short (${body.length} of ${n} lines)`)
    }
    const at = line.indexOf(marker)
    if (at >= 0) {
      entries.push({ path: line.slice(at + marker.length), value: ttarValue(body), line: i + 1 })
    }
    i += 2 + n
  }
  return { form: 'ttar', entries, warnings }
}

/** A ttar file body: ttar marks a file without a final newline by `EOF` after its last line. */
function ttarValue(body: readonly string[]): string {
  return body.join('\n').replace(/EOF$/, '').trimEnd()
}

/**
 * Writes a saved dump (either form) as the tree of files it was read from, under `root`: what
 * the sampler reads in place of `/sys/class/infiniband` to replay a node (tests, the bench).
 */
export function writeSysfsTree(text: string, root: string): void {
  for (const entry of readSysfsDump(text).entries) {
    const path = join(root, entry.path)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, `${entry.value}\n`)
  }
}
