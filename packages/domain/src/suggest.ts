/** Levenshtein edit distance, case-insensitive; O(|a|·|b|) time, O(|b|) memory. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const current = [i]
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[y.length] ?? 0
}

/**
 * The candidates closest to `input`, best first: substring matches, then small edit distances.
 * @example closestNames('H80', ['H800', 'H100', 'A800']) // ['H800', 'H100', 'A800']
 */
export function closestNames(input: string, candidates: readonly string[], limit = 3): string[] {
  const needle = input.toLowerCase()
  const scored = candidates.map((name) => {
    const lower = name.toLowerCase()
    const contains = lower.includes(needle) || needle.includes(lower)
    return { name, score: editDistance(needle, lower) - (contains ? 100 : 0) }
  })
  scored.sort((p, q) => p.score - q.score || p.name.localeCompare(q.name))
  return [...new Set(scored.map((s) => s.name))].slice(0, limit)
}

/**
 * The name a person most likely meant, when one is close enough to suggest: within an edit
 * distance of a third of what was written (at least 1), or one holding the other (3 letters or
 * more); undefined when none is. The one rule behind every "did you mean" of the API and of
 * cluster, catalog and model files.
 * @example nearestName('runing', ['pending', 'running']) // 'running'
 */
export function nearestName(input: string, names: readonly string[]): string | undefined {
  const close = (name: string) => {
    const [a, b] = [input.toLowerCase(), name.toLowerCase()]
    const holds = Math.min(a.length, b.length) >= 3 && (a.includes(b) || b.includes(a))
    return holds || editDistance(a, b) <= Math.max(1, Math.floor(a.length / 3))
  }
  return closestNames(input, names, names.length).find(close)
}
