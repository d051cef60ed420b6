import { formatUsd } from './numbers.js'

/**
 * The price per accelerator-hour, in US dollars, that `plan` and `sim` cost with when `--price`
 * is not given. It is a flat assumption of this project for comparing runs, not a market price
 * or a quote from any provider.
 */
export const defaultPricePerAcceleratorHour = 2

/**
 * Where a cost comes from, for the line that prints it.
 * @example priceBasis(2, false) // 'USD at $2.00 per accelerator-hour (default: a flat assumed rate, not a market price; --price sets it)'
 */
export function priceBasis(pricePerAcceleratorHour: number, given: boolean): string {
  const source = given
    ? '--price'
    : 'default: a flat assumed rate, not a market price; --price sets it'
  return `USD at ${formatUsd(pricePerAcceleratorHour)} per accelerator-hour (${source})`
}
