import { ZhisuanError } from '@zhisuan/domain'

/** A positive integer flag, or `undefined` when it was not given. */
export function intOption(flag: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) {
    return undefined
  }
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) {
    throw new ZhisuanError('invalid-input', `${flag}: expected an integer ≥ ${min}, got "${value}"`)
  }
  return n
}

/** A number flag within [min, max] (accepts 15e12), or `undefined` when absent. */
export function numberOption(
  flag: string,
  value: string | undefined,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number | undefined {
  if (value === undefined) {
    return undefined
  }
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    const range = Number.isFinite(max) ? `between ${min} and ${max}` : `≥ ${min}`
    throw new ZhisuanError('invalid-input', `${flag}: expected a number ${range}, got "${value}"`)
  }
  return n
}

/** One of a closed set of words, or `undefined` when absent. */
export function choiceOption<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) {
    return undefined
  }
  if (!(choices as readonly string[]).includes(value)) {
    throw new ZhisuanError(
      'invalid-input',
      `${flag}: expected one of ${choices.join(', ')}, got "${value}"`,
    )
  }
  return value as T
}
