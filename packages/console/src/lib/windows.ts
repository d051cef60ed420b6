/** The time windows the overview offers. */
export const timeWindows: readonly { readonly label: string; readonly seconds: number }[] = [
  { label: 'Last hour', seconds: 3600 },
  { label: 'Last 6 hours', seconds: 6 * 3600 },
  { label: 'Last day', seconds: 86_400 },
  { label: 'Last 7 days', seconds: 7 * 86_400 },
  { label: 'Last 30 days', seconds: 30 * 86_400 },
]

/** A window from a URL or storage value, else the day. */
export function windowFrom(value: string | null): number {
  const n = Number(value)
  return timeWindows.some((w) => w.seconds === n) ? n : 86_400
}
