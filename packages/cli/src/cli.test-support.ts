import { main } from './main.js'
import type { Io } from './output.js'

/** Runs `zhisuan …` in this process and gives its exit code and what it printed. */
export async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = {
    out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`),
  }
  const code = await main(['node', 'zhisuan', ...args], io)
  return { code, out, err }
}
