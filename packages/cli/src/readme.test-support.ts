import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The repository's root and its README, as a reader sees them. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
export const readme = (): string => readFileSync(`${repoRoot}README.md`, 'utf8')

/** The text of one `## ` or `### ` section, heading included, up to the next heading of any level. */
export function section(text: string, heading: string): string {
  const lines = text.split('\n')
  const start = lines.findIndex((l) => /^#{2,3} /.test(l) && l.includes(heading))
  if (start < 0) {
    throw new Error(`README has no section "${heading}"`)
  }
  const end = lines.findIndex((l, i) => i > start && /^#{2,3} /.test(l))
  return lines.slice(start, end < 0 ? undefined : end).join('\n')
}

/** The bodies of the fenced code blocks of a language (```bash) in a text, in order. */
export function codeBlocks(text: string, language: string): string[] {
  const blocks: string[] = []
  const fence = new RegExp('^```' + language + '\\s*$')
  let current: string[] | undefined
  for (const line of text.split('\n')) {
    if (current === undefined) {
      if (fence.test(line)) {
        current = []
      }
    } else if (line.startsWith('```')) {
      blocks.push(current.join('\n'))
      current = undefined
    } else {
      current.push(line)
    }
  }
  return blocks
}

/** One `npx zhisuan …` line of a block: its arguments (shell words) and its comment. */
export interface TourLine {
  readonly line: string
  readonly args: string[]
  readonly comment: string
}

/** Splits a line with no quotes into its command and its `#` comment. */
export function tourLines(block: string): TourLine[] {
  return block
    .split('\n')
    .filter((l) => l.startsWith('npx zhisuan '))
    .map((line) => {
      const hash = line.indexOf(' #')
      const command = (hash < 0 ? line : line.slice(0, hash)).trim()
      if (/["'$`|;&<>]/.test(command)) {
        throw new Error(`a tour line the test cannot split without a shell: ${line}`)
      }
      return {
        line,
        args: command.split(/\s+/).slice(2),
        comment: hash < 0 ? '' : line.slice(hash + 2).trim(),
      }
    })
}

/** A number as the README writes it: `1,024`, `10.1`, `−26` (a minus sign or a hyphen). */
export const num = (text: string): number => Number(text.replace(/,/g, '').replace('−', '-'))
