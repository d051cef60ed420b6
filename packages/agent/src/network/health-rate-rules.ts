/**
 * The rate rules of `health-rates.ts` as data: which counters, what kind of trouble, at what
 * rate a port is degraded or failed, and why. Thresholds are increments per second over the
 * window between two samples. Each names its source; ESTIMATE marks a value of ours, with the
 * reasoning, where no vendor or standard gives one.
 *
 * Sources cited below:
 * - [ABI] Linux `Documentation/ABI/stable/sysfs-class-infiniband`: what each `counters/` file
 *   counts (they are the IBA PortCounters).
 * - [PMA] Linux `drivers/infiniband/core/sysfs.c` `PORT_PMA_ATTR(name, counter, width, …)`:
 *   the PortCounters widths (link_downed 8 bits, symbol_error 16, port_xmit_wait 32, …).
 * - [IBA] InfiniBand Architecture Specification: PortCounters saturate at all ones; a
 *   compliant link keeps a bit error rate of at most 10^-12.
 * - [MLX5] NVIDIA "Understanding mlx5 Linux counters" (hw_counters) and the kernel's
 *   `Documentation/networking/device_drivers/ethernet/mellanox/mlx5/counters.rst` (ethtool).
 * - [NVS] NVIDIA NVSentinel `docs/nic-health-monitor/link-counter-detection.md`, a design of
 *   NVIDIA's node health monitor, whose defaults it calls operational heuristics.
 */

/** What a counter's rise says about the port. */
export type RateKind = 'flap' | 'physical' | 'loss' | 'congestion'

/**
 * Increments per second at which a rule fires: a fixed rate, or a bit error rate times the
 * port's signalling rate (errors/s = BER × Gb/s × 10^9) with a fixed rate when it is unknown.
 */
export type RateThreshold =
  | { readonly perSecond: number }
  | { readonly bitErrorRate: number; readonly ifRateUnknownPerSecond: number }

export interface RateRule {
  readonly name: string
  /** The counter names it reads: sysfs, perfquery and ethtool spellings. */
  readonly counters: RegExp
  readonly kind: RateKind
  /** Rate at or above which the port is degraded; null: this rule never degrades. */
  readonly degraded: RateThreshold | null
  /** Rate at or above which the port is failed; null: this rule never fails a port. */
  readonly failed: RateThreshold | null
  /** Fewer increments than this in the window say nothing, whatever the rate. */
  readonly minIncrements: number
  /** What the rise means, for the verdict's reason. */
  readonly why: string
  readonly source: string
}

const any = { perSecond: 0 }
const perMinute = (n: number): RateThreshold => ({ perSecond: n / 60 })
/** [IBA] BER 10^-12; 120 errors/hour is that budget at QDR's 32 Gb/s of data, for no rate. */
const berBudget: RateThreshold = { bitErrorRate: 1e-12, ifRateUnknownPerSecond: 120 / 3600 }

export const rateRules: readonly RateRule[] = [
  {
    name: 'link-downed',
    counters: /^(link_downed|LinkDownedCounter(Extended)?|link_down_events_phy)$/,
    kind: 'flap',
    degraded: null,
    // [ABI] link_downed: the port training state machine failed link error recovery and
    // downed the link; every RC QP through it (NCCL, MPI) errors out. Any rise in the window
    // fails the port ([NVS] treats a delta > 0 as fatal). mlx5 ethtool: [MLX5]
    // link_down_events_phy, the link going down.
    failed: any,
    minIncrements: 1,
    why: 'the link went down (flap): connections through it were torn down',
    source: 'ABI link_downed; NVS delta > 0 fatal; MLX5 link_down_events_phy',
  },
  {
    name: 'link-error-recovery',
    counters: /^(link_error_recovery|LinkErrorRecoveryCounter(Extended)?)$/,
    kind: 'flap',
    // [NVS] > 5/min: the link retraining again and again, each a stall (operational heuristic)
    degraded: perMinute(5),
    failed: null,
    minIncrements: 1,
    why: 'the link keeps retraining (link error recovery): each is a stall',
    source: 'ABI link_error_recovery; NVS 5/min (heuristic)',
  },
  {
    name: 'symbol-errors',
    counters: /^(symbol_error|SymbolErrorCounter(Extended)?)$/,
    kind: 'physical',
    // [IBA] BER 10^-12 of the port's rate (0.4/s at 400 Gb/s); ESTIMATE minIncrements 10 so
    // that a few errors in a short window are not read as a rate
    degraded: berBudget,
    failed: null,
    minIncrements: 10,
    why: 'symbol errors above the 10^-12 bit error budget: a bad cable, optic or dirty connector',
    source: 'ABI symbol_error; IBA BER 1e-12; minIncrements ESTIMATE',
  },
  {
    name: 'receive-errors',
    counters: /^(port_rcv_errors|PortRcvErrors(Extended)?|rx_crc_errors_phy|rx_crc_errors)$/,
    kind: 'physical',
    // [IBA] each packet received with an error carries at least one bit error: the same
    // 10^-12 budget; ESTIMATE minIncrements 10 as for symbol errors. [MLX5] rx_crc_errors_phy
    // is the Ethernet port's FCS errors, the same sign.
    degraded: berBudget,
    failed: null,
    minIncrements: 10,
    why: 'packets received corrupted above the 10^-12 bit error budget: a bad cable or optic',
    source: 'ABI port_rcv_errors; MLX5 rx_crc_errors_phy; IBA BER 1e-12; minIncrements ESTIMATE',
  },
  {
    name: 'local-link-integrity',
    counters: /^(local_link_integrity_errors|LocalLinkIntegrityErrors(Extended)?)$/,
    kind: 'physical',
    // [ABI] counts each time local physical errors passed the LocalPhyErrors threshold: any
    // rise means the link ran out of its own error budget
    degraded: any,
    failed: null,
    minIncrements: 1,
    why: 'physical errors exceeded the port LocalPhyErrors threshold',
    source: 'ABI local_link_integrity_errors (any rise)',
  },
  {
    name: 'buffer-overrun',
    counters: /^(excessive_buffer_overrun_errors|ExcessiveBufferOverrunErrors(Extended)?)$/,
    kind: 'loss',
    // [ABI] an input buffer overrun: misconfiguration, hardware or very poor signal; packets
    // were dropped on a lossless link, so any rise
    degraded: any,
    failed: null,
    minIncrements: 1,
    why: 'input buffer overruns dropped packets on a lossless link',
    source: 'ABI excessive_buffer_overrun_errors (any rise)',
  },
  {
    name: 'transport-retries-exceeded',
    counters: /^(req_transport_retries_exceeded|req_rnr_retries_exceeded)$/,
    kind: 'loss',
    degraded: null,
    // [MLX5] a QP ran out of retries: its work completed with IBV_WC_RETRY_EXC_ERR (or
    // RNR_RETRY_EXC_ERR) and the QP went to the error state; the job using it failed
    failed: any,
    minIncrements: 1,
    why: 'a QP exhausted its retries and failed (retry exceeded)',
    source: 'MLX5 req_transport_retries_exceeded, req_rnr_retries_exceeded (any rise)',
  },
  {
    name: 'ack-timeouts',
    counters: /^local_ack_timeout_err$/,
    kind: 'loss',
    // [MLX5] the sender's ACK timer expired (retry limit not yet exceeded): a packet or its
    // ACK was lost. ESTIMATE: 1/min degrades — each timeout stalls the QP for the ACK timeout
    // (seconds at NCCL's settings); 1/s fails ([NVS] calls 1/s a fabric black hole), as 7 in
    // a row (NCCL_IB_RETRY_CNT's default) fail the job.
    degraded: perMinute(1),
    failed: { perSecond: 1 },
    minIncrements: 1,
    why: 'packet loss: ACK timeouts (a packet or its ACK was lost)',
    source: 'MLX5 local_ack_timeout_err; thresholds ESTIMATE (NVS 1/s)',
  },
  {
    name: 'sequence-errors',
    counters: /^(out_of_sequence|packet_seq_err|implied_nak_seq_err|duplicate_request)$/,
    kind: 'loss',
    // [MLX5] out_of_sequence: packets received out of sequence; packet_seq_err: NAK-sequence
    // errors received; implied_nak_seq_err: an ACK with a later PSN than expected;
    // duplicate_request: a request the peer had to send again. All say a packet went
    // missing and a go-back-N retransmission followed. ESTIMATE: 1/s degrades, 100/s fails.
    degraded: { perSecond: 1 },
    failed: { perSecond: 100 },
    minIncrements: 1,
    why: 'packet loss: sequence errors and retransmitted requests',
    source: 'MLX5 hw_counters; thresholds ESTIMATE',
  },
  {
    name: 'rnr-naks',
    counters: /^rnr_nak_retry_err$/,
    kind: 'loss',
    // [MLX5] RNR NAKs received, retry limit not exceeded: the peer had no receive buffer and
    // the sender waited. ESTIMATE 10/s: back-pressure from the peer, not the link.
    degraded: { perSecond: 10 },
    failed: null,
    minIncrements: 1,
    why: 'receiver-not-ready NAKs: the peer ran out of receive buffers and the sender waited',
    source: 'MLX5 rnr_nak_retry_err; threshold ESTIMATE',
  },
  {
    name: 'roce-retransmissions',
    counters: /^(roce_adp_retrans|roce_adp_retrans_to)$/,
    kind: 'loss',
    // [MLX5] adaptive retransmissions (and their timeouts) of RoCE traffic after loss.
    // ESTIMATE: 1/s degrades, 100/s fails, as for sequence errors.
    degraded: { perSecond: 1 },
    failed: { perSecond: 100 },
    minIncrements: 1,
    why: 'packet loss: RoCE adaptive retransmissions',
    source: 'MLX5 roce_adp_retrans; thresholds ESTIMATE',
  },
  {
    name: 'roce-slow-restart',
    counters: /^(roce_slow_restart|roce_slow_restart_trans)$/,
    kind: 'loss',
    // [MLX5] slow restarts after retransmission timeouts; [NVS] > 10/s (operational heuristic)
    degraded: { perSecond: 10 },
    failed: null,
    minIncrements: 1,
    why: 'packet loss: RoCE slow restarts after retransmission timeouts',
    source: 'MLX5 roce_slow_restart; NVS 10/s (heuristic)',
  },
  {
    name: 'rx-discards',
    counters: /^rx_discards_phy$/,
    kind: 'loss',
    // [MLX5] packets the port dropped for lack of receive buffer; on a PFC (lossless)
    // priority there should be none. ESTIMATE 1/s.
    degraded: { perSecond: 1 },
    failed: null,
    minIncrements: 1,
    why: 'packet loss: the port dropped received packets for lack of buffers',
    source: 'MLX5 rx_discards_phy; threshold ESTIMATE',
  },
  {
    name: 'xmit-discards',
    counters: /^(port_xmit_discards|PortXmitDiscards(Extended)?)$/,
    kind: 'congestion',
    // [ABI] outbound packets discarded because the port is down or congested; [NVS] 100/s
    degraded: { perSecond: 100 },
    failed: null,
    minIncrements: 1,
    why: 'congestion: outbound packets discarded',
    source: 'ABI port_xmit_discards; NVS 100/s (heuristic)',
  },
  {
    name: 'xmit-wait',
    counters: /^(port_xmit_wait|PortXmitWait(Extended)?)$/,
    kind: 'congestion',
    // [ABI] ticks in which the port had data but sent none (no credits). The tick is the
    // vendor's; ESTIMATE 10^5 ticks/s: 0.6 % of the time at a 64 ns tick, 10 % at 1 µs.
    degraded: { perSecond: 1e5 },
    failed: null,
    minIncrements: 1,
    why: 'congestion: the port waited for credits to send (xmit wait)',
    source: 'ABI port_xmit_wait; threshold ESTIMATE',
  },
  {
    name: 'pause-frames',
    counters:
      /^((rx|tx)_prio\d_pause|(rx|tx)_pause_ctrl_phy|(rx|tx)_global_pause|(rx|tx)_pfc_ena_frames_pri\d|port\.(link_xoff_(rx|tx)|(rx|tx)_priority_\d_xoff))$/,
    kind: 'congestion',
    // [MLX5] pause (PFC / global) frames sent or received. ESTIMATE 1000/s: an XOFF at full
    // quanta pauses 335 µs at 100 Gb/s and is refreshed before it expires, so a port held
    // paused sees a few thousand a second; 1000/s is a large share of time paused.
    degraded: { perSecond: 1000 },
    failed: null,
    minIncrements: 1,
    why: 'congestion: pause (PFC) frames',
    source: 'MLX5 rx_prioN_pause, rx_pause_ctrl_phy; i40e/bnxt_en names; threshold ESTIMATE',
  },
  {
    name: 'pause-duration',
    counters: /^(rx|tx)_(prio\d|global)_pause_duration$/,
    kind: 'congestion',
    // [MLX5] pause time in µs: 10^5 µs/s is 10 % of the time paused (ESTIMATE)
    degraded: { perSecond: 1e5 },
    failed: null,
    minIncrements: 1,
    why: 'congestion: the port spent a tenth of the time or more paused',
    source: 'MLX5 rx_prioN_pause_duration (µs); threshold ESTIMATE',
  },
  {
    name: 'pause-storm-warning',
    counters: /^tx_pause_storm_warning_events$/,
    kind: 'congestion',
    // [MLX5] the device sent pause frames for longer than the warning timeout
    degraded: any,
    failed: null,
    minIncrements: 1,
    why: 'congestion: the NIC has been sending pause frames without a break (pause storm)',
    source: 'MLX5 tx_pause_storm_warning_events (any rise)',
  },
  {
    name: 'pause-storm-error',
    counters: /^tx_pause_storm_error_events$/,
    kind: 'congestion',
    degraded: null,
    // [MLX5] the device paused past the error timeout and its storm protection stopped
    // sending pause frames: the port no longer takes part in lossless flow control
    failed: any,
    minIncrements: 1,
    why: 'pause storm: the NIC stopped sending pause frames to protect the fabric',
    source: 'MLX5 tx_pause_storm_error_events (any rise)',
  },
]

/**
 * Widths of the IBA PortCounters as sysfs and perfquery read them [PMA]: they saturate at
 * 2^width − 1 [IBA] (mlx4's 32-bit `port_xmit_wait` sits at 4294967295, `link_downed` stops
 * at 255), so a counter at that value may hide increments.
 */
export const counterWidths: Readonly<Record<string, number>> = {
  symbol_error: 16,
  SymbolErrorCounter: 16,
  link_error_recovery: 8,
  LinkErrorRecoveryCounter: 8,
  link_downed: 8,
  LinkDownedCounter: 8,
  port_rcv_errors: 16,
  PortRcvErrors: 16,
  port_rcv_remote_physical_errors: 16,
  port_rcv_switch_relay_errors: 16,
  port_xmit_discards: 16,
  PortXmitDiscards: 16,
  port_xmit_constraint_errors: 8,
  port_rcv_constraint_errors: 8,
  local_link_integrity_errors: 4,
  LocalLinkIntegrityErrors: 4,
  excessive_buffer_overrun_errors: 4,
  ExcessiveBufferOverrunErrors: 4,
  VL15_dropped: 16,
  port_xmit_data: 32,
  port_rcv_data: 32,
  port_xmit_packets: 32,
  port_rcv_packets: 32,
  port_xmit_wait: 32,
  PortXmitWait: 32,
}
