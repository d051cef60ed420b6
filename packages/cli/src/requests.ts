import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { ZhisuanError } from '@zhisuan/domain'
import { readTraceText } from './trace.js'

/** One request of a serving trace: when it arrived (s from the first), prompt and output tokens. */
export interface RequestRow {
  readonly arrivalS: number
  readonly inputTokens: number
  readonly outputTokens: number
}

/**
 * One hour of Azure's production LLM conversation service, shipped in data/traces/azure-llm-2023
 * (CC BY 4.0; Patel et al., "Splitwise", ISCA 2024: see its README).
 */
export const azureConversationTrace = fileURLToPath(
  new URL('../../../data/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv', import.meta.url),
)

/** `2023-11-16 18:15:46.6805900` (UTC, 100 ns resolution) as milliseconds since the epoch. */
function timestampMs(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?Z?$/.exec(text.trim())
  if (match === null) {
    return Number.NaN
  }
  const whole = Date.parse(`${match[1] ?? ''}T${match[2] ?? ''}Z`)
  return whole + Number(`0${match[3] ?? ''}`) * 1000
}

/**
 * A request trace's text as rows, sorted by arrival: Azure's columns as they are
 * (`TIMESTAMP, ContextTokens, GeneratedTokens`), or `arrival_s, input_tokens, output_tokens`.
 * @throws ZhisuanError `invalid-config` naming the row and column of a bad value.
 */
export function parseRequests(text: string, path: string): RequestRow[] {
  let rows: Record<string, string>[]
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<
      string,
      string
    >[]
  } catch (cause) {
    throw new ZhisuanError('invalid-config', `${path}: ${(cause as Error).message}`, { cause })
  }
  const first = rows[0]
  if (first === undefined) {
    throw new ZhisuanError('invalid-config', `${path}: no requests`)
  }
  const azure = 'TIMESTAMP' in first
  const [timeColumn, inputColumn, outputColumn] = azure
    ? ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens']
    : ['arrival_s', 'input_tokens', 'output_tokens']
  const parsed = rows.map((row, i) => {
    const cell = (column: string) => {
      const value = row[column]
      if (value === undefined) {
        throw new ZhisuanError('invalid-config', `${path}: row ${i + 2} has no column ${column}`)
      }
      return value
    }
    const bad = (column: string, expected: string) =>
      new ZhisuanError(
        'invalid-config',
        `${path}: row ${i + 2}, column ${column}: expected ${expected}, got "${cell(column)}"`,
      )
    const time = azure ? timestampMs(cell(timeColumn)) / 1000 : Number(cell(timeColumn))
    if (!Number.isFinite(time) || (!azure && time < 0)) {
      throw bad(timeColumn, azure ? 'a time like 2023-11-16 18:15:46.68' : 'seconds ≥ 0')
    }
    const tokens = (column: string, min: number) => {
      const n = Number(cell(column))
      if (!Number.isInteger(n) || n < min) {
        throw bad(column, `an integer ≥ ${min}`)
      }
      return n
    }
    return { time, inputTokens: tokens(inputColumn, 1), outputTokens: tokens(outputColumn, 1) }
  })
  const start = parsed.reduce((m, r) => Math.min(m, r.time), Infinity)
  return parsed
    .map((r) => ({
      arrivalS: r.time - start,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
    }))
    .sort((a, b) => a.arrivalS - b.arrivalS)
}

/** Reads a request trace (see {@link parseRequests}). */
export async function readRequests(path: string): Promise<RequestRow[]> {
  return parseRequests(await readTraceText(path), path)
}
