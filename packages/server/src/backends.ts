import type { Cluster, ExecutionBackend } from '@zhisuan/domain'
import { ClusterState } from '@zhisuan/scheduler'
import { TwinBackend, type FailureCategory } from '@zhisuan/sim'
import { SlurmBackend, slurmBackendOptionsFromEnv } from '@zhisuan/slurm'
import type { Store } from '@zhisuan/store'
import type { ReconcilerOptions } from './loop-state.js'

/**
 * Which execution backend the reconcile loop drives, as plain data: the loop's worker thread
 * opens it from this (a backend holds sockets and timers, which do not cross threads).
 */
export type BackendConfig =
  | {
      readonly kind: 'twin'
      /** Simulated seconds per wall second. */
      readonly speed: number
      /** Random node failures per 1,000 accelerators per simulated day; default none. */
      readonly failureRate?: number
      /** Causes of the random failures (a `zhisuan sim` preset's mix); default: all take the node. */
      readonly failureMix?: readonly FailureCategory[]
      /** Simulated seconds a restarted run spends restoring before its work; default 0. */
      readonly restartS?: number
      /** Simulated seconds each checkpoint stalls a job; default 0. */
      readonly checkpointStallS?: number
    }
  | {
      readonly kind: 'slurm'
      /** The environment file's variables (SLURMRESTD_URL, SLURM_JWT, SLURM_CONF, …). */
      readonly env: Readonly<Record<string, string>>
      /** Address ranks use to reach rank 0 (default: the first node's name). */
      readonly masterAddress?: string
    }

/**
 * The twin's cluster model as the reconcile loop needs it (restart delay and checkpoint stall,
 * the simulator's, and its speed); nothing for a backend that runs real jobs.
 */
export function lifecycleOf(config: BackendConfig): ReconcilerOptions['lifecycle'] {
  return config.kind === 'twin'
    ? {
        restartS: config.restartS ?? 0,
        checkpointStallS: config.checkpointStallS ?? 0,
        speed: config.speed,
      }
    : undefined
}

/**
 * Opens the backend: the twin over the store's journal with the cluster's nodes, or a real
 * Slurm cluster through slurmrestd (its version checked).
 * @throws ZhisuanError `invalid-config` or `unavailable` when Slurm cannot be used.
 */
export async function openBackend(
  config: BackendConfig,
  cluster: Cluster,
  store: Store,
): Promise<ExecutionBackend> {
  if (config.kind === 'slurm') {
    return SlurmBackend.open(
      slurmBackendOptionsFromEnv(config.env, {
        ...(config.masterAddress === undefined ? {} : { masterAddress: config.masterAddress }),
        // checked against Slurm's nodes, GRES, features and topology at start-up
        cluster,
      }),
    )
  }
  const nodes = ClusterState.fromCluster(cluster).nodes
  const accelerators = nodes.reduce((sum, n) => sum + n.accelerators, 0)
  return TwinBackend.open({
    nodes: nodes.map((n) => n.name),
    acceleratorsPerNode: nodes.length > 0 ? accelerators / nodes.length : 8,
    clock: () => Date.now() / 1000,
    journal: {
      load: () => store.twinRuns(),
      put: (run) => store.putTwinRun(run),
      remove: (jobId) => store.removeTwinRun(jobId),
    },
    speed: config.speed,
    ...(config.failureRate === undefined ? {} : { failuresPer1000PerDay: config.failureRate }),
    ...(config.failureMix === undefined ? {} : { failureMix: config.failureMix }),
  })
}
