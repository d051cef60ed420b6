import prand from 'pure-rand'

/** A source of uniform numbers in [0, 1) and the distributions the simulator draws. */
export interface Stream {
  /** Uniform in [0, 1). */
  uniform(): number
  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number
  /** An integer in [0, n). */
  below(n: number): number
}

/** Seeded random streams, one per name, so that adding a consumer never shifts another's numbers. */
export interface Rng {
  stream(name: string): Stream
}

/** FNV-1a over the seed and the name: a stable 32-bit seed per stream. */
function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0)
  h = Math.imul(h, 0x01000193)
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * Named random streams from one seed (xoroshiro128+ per stream, from pure-rand).
 * @example const failures = createRng(42).stream('node-failures')
 */
export function createRng(seed: number): Rng {
  const streams = new Map<string, Stream>()
  return {
    stream(name) {
      let s = streams.get(name)
      if (s === undefined) {
        const generator = prand.xoroshiro128plus(streamSeed(seed, name))
        const uniform = () =>
          prand.unsafeUniformIntDistribution(0, 2 ** 31 - 1, generator) / 2 ** 31
        s = {
          uniform,
          exponential: (rate) => -Math.log(1 - uniform()) / rate,
          below: (n) => Math.min(n - 1, Math.floor(uniform() * n)),
        }
        streams.set(name, s)
      }
      return s
    },
  }
}
