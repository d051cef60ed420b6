import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callApi, runningNodes, until, up, type Up } from '@zhisuan/cli/testing'
import { launchChromium, shots, signedIn } from './browser.test-support.js'
import { accessibilityProblems, barsOutside, pluralMistakes } from './page-checks.js'

// The topology map's network-health overlay (issue #21): a node's agent reports a lossy RDMA
// port, its leaf shows degraded with the reason, loss rate and the gangs it slows, and a
// selected job's path (its nodes, their leaves, the spines between) is highlighted.

interface Leaf {
  id: string
  state: string
  nodes: string[]
  gangsAffected: { job: string }[]
}

describe('the fabric health overlay in Chromium', () => {
  let server: Up
  let browser: Browser | undefined
  let admin = ''
  let member = ''
  let setupError: Error | undefined

  const call = (token: string, method: string, path: string, body?: unknown) =>
    callApi(server.url, token, method, path, body)
  const fabric = async (): Promise<Leaf[]> =>
    (await call(admin, 'GET', '/api/v1/fabric')).body['items'] as Leaf[]

  beforeAll(async () => {
    try {
      browser = await launchChromium()
      const data = await mkdtemp(join(tmpdir(), 'zhisuan-fabric-e2e-'))
      server = await up(['--data-dir', data])
      admin = (await readFile(join(data, 'admin-token'), 'utf8')).trim()
      const tenant = await call(admin, 'POST', '/api/v1/tenants', {
        name: 'alpha',
        quotas: { 'llm-train': { guaranteed: 100 } },
      })
      expect(tenant.status).toBe(201)
      member = (await call(admin, 'POST', '/api/v1/tokens', { tenant: 'alpha', role: 'member' }))
        .body['token'] as string
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error))
    }
  })

  afterAll(async () => {
    await browser?.close()
  })

  it('shows a leaf degraded by a lossy port and highlights a running job’s path', async () => {
    if (setupError !== undefined || browser === undefined) {
      throw setupError ?? new Error('Chromium did not start')
    }
    // a running two-node gang
    const submitted = await call(member, 'POST', '/api/v1/jobs', {
      name: 'e2e-fabric',
      replicas: 2,
      acceleratorsPerReplica: 8,
      chip: { family: 'H100' },
      twin: { durationS: 36_000 },
    })
    expect(submitted.status).toBe(201)
    const jobId = submitted.body['id'] as string
    const jobNodes = await runningNodes(
      'the job running',
      async () => (await call(member, 'GET', `/api/v1/jobs/${jobId}`)).body,
      30_000,
    )
    expect(jobNodes).toHaveLength(2)
    // a node in the leaf of the job's first node (another node there when there is one) reports
    // a port losing packets
    const leafOfJob = (await fabric()).find((l) => l.nodes.includes(jobNodes[0] ?? ''))
    expect(leafOfJob).toBeDefined()
    const sick =
      leafOfJob?.nodes.find((n) => !jobNodes.includes(n)) ?? leafOfJob?.nodes[0] ?? 'unknown'
    const port = (device: string, health: string, reason: string, kind?: string) => ({
      device,
      port: 1,
      linkLayer: 'RoCE',
      rateGbps: 400,
      health,
      reason,
      ...(kind === undefined ? {} : { kind }),
    })
    const report = await call(admin, 'POST', `/api/v1/nodes/${sick}/report`, {
      agentVersion: '0.1.0',
      inventories: [],
      network: {
        ports: [
          port('mlx5_0', 'healthy', ''),
          port('mlx5_3', 'degraded', 'packet loss 0.1% (out-of-sequence NAKs)', 'loss'),
        ],
        warnings: [],
      },
    })
    expect(report.status).toBeLessThan(300)
    const leafId = leafOfJob?.id ?? ''
    const degraded = await until(
      'the leaf degraded',
      async () => (await fabric()).find((l) => l.id === leafId && l.state === 'degraded'),
      15_000,
    )
    expect(degraded.gangsAffected.map((g) => g.job)).toContain(jobId)
    const block = leafId.replace('block-', 'Block ')

    const cspViolations: string[] = []
    const consoleErrors: string[] = []
    const [context, page] = await signedIn(
      browser,
      { consoleErrors, cspViolations },
      server.url,
      member,
    )
    await page.getByRole('link', { name: 'Topology' }).click()
    await page.getByRole('heading', { level: 1, name: 'Topology' }).waitFor()

    // the leaf: its data attribute, its label in words, and its details in the side panel
    const onMap = page.locator(`section.block[aria-label="${block}"]`)
    await page.locator(`section.block[aria-label="${block}"][data-leaf-state="degraded"]`).waitFor()
    expect(await onMap.locator('.tier-head .leaf-badge').textContent()).toBe('leaf degraded')
    expect(await page.locator('.block[data-leaf-state="healthy"]').count()).toBeGreaterThan(0)
    const panel = page.locator(`.sick-leaves [data-leaf="${leafId}"]`)
    expect(await panel.getAttribute('data-leaf-state')).toBe('degraded')
    const details = (await panel.textContent()) ?? ''
    expect(details).toContain(`${sick} mlx5_3/1 degraded: packet loss 0.1%`)
    expect(details).toContain('loss 0.10%')
    expect(details).toMatch(
      new RegExp(`${jobId} \\(2 nodes\\): (\\+[\\d.]+% step time|no slowdown)`),
    )
    expect(await page.getByTestId('fabric-summary').textContent()).toMatch(/ of \d+ healthy:/)
    expect(
      await page
        .locator('[data-testid="fabric-legend"] [data-leaf-state="degraded"]')
        .textContent(),
    ).toContain('leaf degraded')

    // select the running job: its nodes, their leaves (and pods) and its path are highlighted
    await page.locator('.job-picker button', { hasText: jobId }).click()
    await page.waitForURL(/\/topology\?job=/)
    await page.getByTestId('job-path').waitFor()
    const lit = await Promise.all(
      (await page.locator('[data-highlighted="true"]').all()).map((l) =>
        l.getAttribute('data-node'),
      ),
    )
    expect(lit.sort()).toEqual([...new Set(jobNodes)].sort())
    const pathLeaves = await page.locator('[data-path-leaf]').all()
    const pathBlocks = await Promise.all(
      pathLeaves.map(async (l) => `Block ${(await l.getAttribute('data-path-leaf')) ?? ''}`),
    )
    expect(pathBlocks).toContain(block)
    const onPath = await Promise.all(
      (await page.locator('section.block[data-path="true"]').all()).map((b) =>
        b.getAttribute('aria-label'),
      ),
    )
    expect(onPath.sort()).toEqual(pathBlocks.sort())
    expect(await page.locator('section.pod[data-path="true"]').count()).toBeGreaterThan(0)
    expect(await page.getByTestId('job-path').getAttribute('data-path-state')).toBe('degraded')
    expect(
      await page.locator(`[data-path-leaf="${leafId.replace('block-', '')}"]`).textContent(),
    ).toContain('degraded')
    await page.screenshot({ path: join(shots, 'topology-fabric.png'), fullPage: true })

    expect(await accessibilityProblems(page)).toEqual([])
    expect(await pluralMistakes(page)).toEqual([])
    expect(await barsOutside(page)).toEqual([])
    await context.close()
    expect(cspViolations).toEqual([])
    expect(consoleErrors).toEqual([])
  })
})
