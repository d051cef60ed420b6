import { stepSeconds, type EngineLimits, type Replica } from '@zhisuan/perf'

/** One request of a service, as the twin serves it. */
export interface ServedRequest {
  readonly arrivalS: number
  readonly inputTokens: number
  readonly outputTokens: number
  /** When its first token came out (end of the step that finished its prompt). */
  firstTokenS?: number
  finishS?: number
}

/** A request inside a replica: how much of its prompt is done and how many tokens are left. */
interface InFlight {
  readonly request: ServedRequest
  prefilled: number
  left: number
}

/**
 * One model replica serving requests step by step, as a continuous-batching engine does: each
 * step decodes a token for every running sequence and prefills queued prompts (first come,
 * first served) in the token budget left, admitting a request only while the KV cache holds its
 * whole prompt and output (TensorRT-LLM's `GUARANTEED_NO_EVICT`: no request is ever preempted)
 * and the batch is below the engine's cap; one larger than the whole cache is refused. Step times come from the
 * serving model (`stepSeconds`). Deterministic: no randomness of its own.
 */
export class ReplicaServer {
  private clock: number
  /** Requests not yet fully prefilled, first come first served from `head`. */
  private waiting: InFlight[] = []
  private head = 0
  private readonly running = new Set<InFlight>()
  private reservedTokens = 0
  private backlog = 0
  /** Requests it finished, in finishing order. */
  readonly finished: ServedRequest[] = []

  constructor(
    private readonly replica: Replica,
    private readonly limits: EngineLimits,
    readyS: number,
  ) {
    this.clock = readyS
  }

  /** Its clock: it has simulated up to here (a step in progress may end past the shell's time). */
  get now(): number {
    return this.clock
  }

  /** Requests it holds, waiting or running. */
  get load(): number {
    return this.waiting.length - this.head + this.running.size
  }

  /** Tokens still to process: prompts not prefilled and outputs not generated. */
  get backlogTokens(): number {
    return this.backlog
  }

  /** Requests it could never hold (prompt and output beyond its whole KV cache): never served. */
  readonly refused: ServedRequest[] = []

  /** Takes a request (it arrives at `request.arrivalS`, no later than the shell's time). */
  accept(request: ServedRequest): void {
    if (request.inputTokens + request.outputTokens > this.replica.kvCapacityTokens) {
      // first come, first served would wait behind it forever
      this.refused.push(request)
      return
    }
    this.waiting.push({ request, prefilled: 0, left: request.outputTokens })
    this.backlog += request.inputTokens + request.outputTokens
  }

  /** Runs steps until its clock reaches `t` or it has nothing to do (then its clock is `t`). */
  advanceTo(t: number): void {
    while (this.clock < t) {
      if (!this.step()) {
        this.clock = t
      }
    }
  }

  /** Hands back everything unfinished (the replica stops): their progress is lost. */
  evict(): ServedRequest[] {
    const requests = [...this.running, ...this.waiting.slice(this.head)].map((f) => f.request)
    for (const r of requests) {
      delete r.firstTokenS
    }
    this.running.clear()
    this.waiting = []
    this.head = 0
    this.reservedTokens = 0
    this.backlog = 0
    return requests
  }

  /** One engine step; false when there was nothing to do. */
  private step(): boolean {
    const decoding = this.running.size
    let budget = this.limits.chunkTokens - decoding
    let prefillTokens = 0
    let prefillContext = 0
    let prefilling = 0
    for (let i = this.head; i < this.waiting.length && budget > 0; i++) {
      const f = this.waiting[i]
      if (f === undefined) {
        break
      }
      if (f.prefilled === 0) {
        const need = f.request.inputTokens + f.request.outputTokens
        const full = decoding + prefilling >= this.limits.maxSeqs
        if (full || this.reservedTokens + need > this.replica.kvCapacityTokens) {
          break // first come, first served: no one overtakes a request that cannot start
        }
        this.reservedTokens += need
      }
      const tokens = Math.min(budget, f.request.inputTokens - f.prefilled)
      prefilling++
      prefillTokens += tokens
      prefillContext += tokens * (f.prefilled + tokens / 2)
      budget -= tokens
    }
    if (decoding === 0 && prefilling === 0) {
      return false
    }
    let context = 0
    for (const f of this.running) {
      context += f.request.inputTokens + f.request.outputTokens - f.left
    }
    const seconds = stepSeconds(this.replica, {
      decodeSeqs: decoding,
      decodeContext: decoding === 0 ? 0 : context / decoding,
      prefillTokens,
      prefillContext: prefillTokens === 0 ? 0 : prefillContext / prefillTokens,
    }).seconds
    this.clock += seconds
    const end = this.clock
    for (const f of [...this.running]) {
      f.left -= 1
      this.backlog -= 1
      if (f.left === 0) {
        this.running.delete(f)
        this.finish(f, end)
      }
    }
    // the prompts of this step, from the head, in order
    let budgetLeft = this.limits.chunkTokens - decoding
    for (let k = 0; k < prefilling; k++) {
      const f = this.waiting[this.head]
      if (f === undefined) {
        break
      }
      const tokens = Math.min(budgetLeft, f.request.inputTokens - f.prefilled)
      budgetLeft -= tokens
      f.prefilled += tokens
      this.backlog -= tokens
      if (f.prefilled < f.request.inputTokens) {
        break // a chunk of a longer prompt: it stays at the head
      }
      // the step that finishes a prompt gives its first token
      this.head++
      f.request.firstTokenS = end
      f.left -= 1
      this.backlog -= 1
      if (f.left <= 0) {
        this.finish(f, end)
      } else {
        this.running.add(f)
      }
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head)
      this.head = 0
    }
    return true
  }

  private finish(f: InFlight, at: number): void {
    f.request.finishS = at
    this.reservedTokens -= f.request.inputTokens + f.request.outputTokens
    this.finished.push(f.request)
  }
}
