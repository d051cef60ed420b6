import type { Cluster } from '@zhisuan/domain'
import type { SlurmRestClientOptions } from './client.js'
import type { ExecFn } from './scontrol.js'
import type { SubmissionOptions } from './submission.js'

/** How the Slurm backend reaches Slurm and what it gives the jobs it submits. */
export interface SlurmBackendOptions extends SubmissionOptions {
  /** slurmrestd's base URL, e.g. `http://127.0.0.1:6820` (`SLURMRESTD_URL`). */
  readonly url: string
  /** The Slurm user the token belongs to (`SLURM_USER`); jobs run as this user. */
  readonly user: string
  /** A Slurm JWT (`SLURM_JWT`); only ever sent as a header, never put in a job's environment. */
  readonly token: string
  /** slurm.conf for `scontrol` (drain, resume), passed as `SLURM_CONF`. */
  readonly slurmConf: string
  /**
   * Finished jobs the first `poll()` reports: those that ended at or after this Unix time.
   * Default: every finished Zhisuan job slurmctld still remembers (`MinJobAge`), so a restarted
   * control plane learns what ended while it was down (it ignores attempts it moved on from).
   */
  readonly reportEndedSince?: number
  /**
   * Seconds a node must stay `NOT_RESPONDING` before it counts as failed (a resumed node shows
   * it for up to a second while slurmctld pings it); default 5. `down` counts at once.
   */
  readonly notRespondingGraceS?: number
  /** Put before every drain reason Zhisuan sets in Slurm; default `zhisuan: `. */
  readonly drainReasonPrefix?: string
  /**
   * Slurm's own user (`SlurmUser`): a drain it set (e.g. `Kill task failed`) is a failure,
   * unlike an administrator's drain; default `slurm`.
   */
  readonly slurmUser?: string
  /** Seconds of clock difference to allow for between this host and slurmctld; default 2. */
  readonly clockSkewS?: number
  /** Unix seconds now; default the system clock. */
  readonly clock?: () => number
  /** Client knobs (timeouts, retries, a fake fetch for tests). */
  readonly client?: Pick<SlurmRestClientOptions, 'timeoutMs' | 'retries' | 'retryDelayMs' | 'fetch'>
  /** The scontrol program and how to run it; default `scontrol` on PATH with execFile. */
  readonly scontrol?: { readonly binary?: string; readonly exec?: ExecFn }
  /**
   * The cluster Zhisuan schedules on (its cluster file). When given, `open` checks the Slurm
   * partition against it: nodes, GPU GRES counts, accelerator models through the file's
   * `slurm.features`, and fabric positions against Slurm's topology (`checkInventory`).
   */
  readonly cluster?: Cluster
  /** Where `open` says the inventory check's warnings; default `console.warn`. */
  readonly warn?: (message: string) => void
}
