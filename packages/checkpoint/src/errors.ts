import { ZhisuanError } from '@zhisuan/domain'

/**
 * An error that trying again will not change: the input is wrong or conflicts — a local shard
 * missing or changed size, a registry refusing a registration.
 */
export const isFinal = (error: unknown): boolean =>
  error instanceof ZhisuanError && (error.code === 'invalid-input' || error.code === 'conflict')

/** The message of whatever was thrown. */
export const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)
