/** One port as an agent reports it (`network.ports[]` of a node report). */
export interface ReportedPort {
  readonly health: string
  readonly device: string
  readonly port: number
  readonly reason: string
  readonly kind?: string
}

/** The ports of a stored report (read defensively: the body is whatever the agent sent). */
export function portsOf(body: unknown): ReportedPort[] {
  const ports = (body as { network?: { ports?: unknown } } | null)?.network?.ports
  if (!Array.isArray(ports)) {
    return []
  }
  return ports.filter(
    (p): p is ReportedPort =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as { health?: unknown }).health === 'string' &&
      typeof (p as { device?: unknown }).device === 'string' &&
      typeof (p as { port?: unknown }).port === 'number' &&
      typeof (p as { reason?: unknown }).reason === 'string',
  )
}
