import { wholePercent } from './format'

/** A tenant's use of its guarantee, as the tenants page draws and says it. */
export interface GuaranteeUse {
  /** Used over guaranteed (3.04 for 304%); null without a guarantee. */
  readonly share: number | null
  /** How much of the bar to fill, 0…1: the bar stops at the guarantee. */
  readonly fill: number
  /** Whether the use goes past the guarantee (the bar's marker beyond 100%). */
  readonly over: boolean
  /** The figure in words: `304% of the guarantee`, `no guarantee: all borrowed`. */
  readonly label: string
}

/**
 * How much of its guarantee a tenant uses. The bar is capped at 100% to fit its cell; the figure
 * is not, so a tenant borrowing three times its guarantee reads 304%, not 100%.
 * @example
 * guaranteeUse(24.32, 8) // { share: 3.04, fill: 1, over: true, label: '304% of the guarantee' }
 */
export function guaranteeUse(used: number, guaranteed: number): GuaranteeUse {
  if (guaranteed <= 0) {
    return used > 0
      ? { share: null, fill: 1, over: true, label: 'no guarantee: all borrowed' }
      : { share: null, fill: 0, over: false, label: 'no guarantee, none used' }
  }
  const share = used / guaranteed
  return {
    share,
    fill: Math.min(1, Math.max(0, share)),
    over: share > 1,
    label: `${wholePercent(share)} of the guarantee`,
  }
}
