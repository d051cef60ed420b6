/** A node of the cluster: its name, chip family and accelerator count. */
export interface NodeInfo {
  readonly name: string
  readonly family: string
  readonly accelerators: number
  /** Leaf block and spine pod of the fabric the node sits under. */
  readonly block: number
  readonly pod: number
}

/** What the loop reports to metrics. */
export interface LoopObserver {
  scheduled(seconds: number, decisions: number): void
  nodeFailed(): void
  /** This process took the lease (true) or lost or gave it up (false). */
  leadership?(leader: boolean): void
}

/**
 * What the API needs of the reconcile loop, wherever it runs: in the API's thread (tests, where
 * a test drives `pass()`) or in a worker thread of its own (`zhisuan up`, see loop-thread.ts).
 */
export interface ReconcileLoop {
  /** Every node: name, chip family, accelerators, in fabric order. */
  readonly nodeList: readonly NodeInfo[]
  /** Whether this process runs the loop now. */
  readonly leader: boolean
  observe(observer: LoopObserver): void
  start(): void
  /** Runs a pass soon (after a submission, a cancel, a drain). */
  wake(): void
  /** Stops the loop after the pass in flight, and gives the lease up. */
  stop(): Promise<void>
}
