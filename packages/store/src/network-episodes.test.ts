import { expect, it } from 'vitest'
import { describeOnEachDialect } from './dialects.case.js'

const episode = (node: string, start: number, kind = 'loss') => ({
  node,
  leaf: 1,
  device: 'mlx5_0',
  port: 1,
  kind,
  health: 'degraded',
  lossRate: 0.002,
  start,
})

describeOnEachDialect('network episodes', (fx) => {
  it('opens, closes, answers a window and prunes', async () => {
    const e = fx.store.episodes
    const a = await e.open(episode('n1', 100))
    const b = await e.open(episode('n1', 150, 'flap'))
    await e.open(episode('n2', 500))
    expect((await e.openOf('n1')).map((x) => x.id)).toEqual([a, b])
    await e.close(a, 200)
    await e.close(a, 900) // closed stays closed
    expect((await e.openOf('n1')).map((x) => x.id)).toEqual([b])
    const all = await e.range(0, 1000)
    expect(all[0]).toEqual({ ...episode('n1', 100), id: a, end: 200 })
    expect(all.map((x) => [x.node, x.kind, x.end])).toEqual([
      ['n1', 'loss', 200],
      ['n1', 'flap', null],
      ['n2', 'loss', null],
    ])
    // overlap: [300, 400] sees the open flap only
    expect((await e.range(300, 400)).map((x) => x.id)).toEqual([b])
    expect(await e.prune(250)).toBe(1)
    expect((await e.range(0, 1000)).length).toBe(2)
  })
})
