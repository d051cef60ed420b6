import { ZhisuanError } from '@zhisuan/domain'

/** How an RDMA NIC recovers lost packets. */
export type Retransmission = 'go-back-n' | 'improved-go-back-n' | 'selective-repeat'

/**
 * Parameters of the loss model, in packets. A go-back-N NIC that learns of a loss resends
 * every packet sent after it (a window of `windowPackets`, the bandwidth-delay product) and
 * stalls for `recoveryPackets` packet times before it resumes (NACK generation, coalescing and
 * the retransmission timer). Selective repeat resends only the lost packet.
 *
 * Defaults: 400 Gb/s, 4 KiB MTU (82 ns a packet), 5 µs round trip → 61 packets in flight;
 * stock go-back-N stalls ~100 µs per loss (1,250 packet times); "improved" go-back-N (fast
 * NACK, no timer, Wang et al. ICCCN'19) keeps only the window. These two stall values are
 * chosen to reproduce the published anchors (paper-tables.md §5.3): go-back-N near zero
 * above 1% loss, improved go-back-N about 60% at 1%, selective repeat ≥ 13× go-back-N at 1%.
 */
export const lossModelDefaults = {
  windowPackets: 61,
  recoveryPackets: { 'go-back-n': 1250, 'improved-go-back-n': 0, 'selective-repeat': 0 },
} as const

/**
 * Goodput of an RDMA flow as a fraction of line rate at packet loss rate `p`, by the classic
 * ARQ renewal argument: each loss costs the packets that must be resent plus the stall,
 * `η = (1 − p) / (1 + p · (resent − 1 + stall))`, where go-back-N resends a window and
 * selective repeat one packet. Monotone non-increasing in `p`.
 * @throws ZhisuanError `invalid-input` when `p` is outside [0, 1).
 */
export function rdmaGoodput(
  p: number,
  scheme: Retransmission,
  windowPackets: number = lossModelDefaults.windowPackets,
): number {
  if (!(p >= 0 && p < 1)) {
    throw new ZhisuanError('invalid-input', `loss rate must be in [0, 1), got ${p}`)
  }
  const resent = scheme === 'selective-repeat' ? 1 : windowPackets
  const stall = lossModelDefaults.recoveryPackets[scheme]
  return (1 - p) / (1 + p * (resent - 1 + stall))
}
