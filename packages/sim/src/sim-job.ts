/** A job to simulate: a gang that needs `workS` seconds of productive time. */
export interface SimJob {
  readonly id: string
  readonly tenant: string
  readonly submitS: number
  readonly workS: number
  readonly replicas: number
  readonly perReplica: number
  readonly priority?: number
  /**
   * Fraction of the job's step time spent in scale-out communication: what packet loss and a
   * shared uplink slow (see `SharedUplinks`); default `traceNetworkShare`. The llm-mix generator
   * takes it from the performance model's plan.
   */
  readonly networkShare?: number
  /**
   * The user's runtime estimate, s (Slurm's `-t`): the scheduler backfills a job with one ahead
   * of a reservation when it ends in time. Absent: the job cannot be backfilled.
   */
  readonly timeLimitS?: number
}

/**
 * Loss episodes on leaf switches: each hits one block for `minutes`; gangs with nodes in it slow
 * by their network share over the RDMA goodput at `lossRate` (go-back-N). A loss rate ≥ 1 is a
 * link flap: those gangs make no progress until it ends.
 */
export interface NetworkEvents {
  readonly perLeafPerDay: number
  readonly lossRate: number
  readonly minutes: number
  /**
   * Each leaf's own episodes, in block order (a cluster's own history, `episode-history.ts`):
   * when given, episodes strike leaf i at `perLeaf[i].perDay` with its loss and length, and the
   * fields above are only the cluster-wide means. Leaves beyond the list see none.
   */
  readonly perLeaf?: readonly LeafEpisodes[]
}

/** One leaf's loss episodes: a day's rate, the loss rate during one (≥ 1: a flap), its length. */
export interface LeafEpisodes {
  readonly perDay: number
  readonly lossRate: number
  readonly minutes: number
}
