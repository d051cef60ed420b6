import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, callApi, killed, up, until, type Up } from '@zhisuan/cli/testing'
import {
  launchChromium,
  root,
  shots,
  signedIn as signedInAt,
  watchedContext,
} from './browser.test-support.js'
import { storeWithJobs } from './many-jobs.js'
import { accessibilityProblems, barsOutside, pluralMistakes } from './page-checks.js'

const readme = join(root, 'docs', 'screenshots')
/**
 * `npm run docs:screenshots` sets this: the run also copies two of its pictures into the
 * README's docs/screenshots. A plain `npm run test:e2e` writes only under test-output/, so a
 * clean checkout stays clean.
 */
const refreshDocs = process.env['ZHISUAN_DOCS_SCREENSHOTS'] === '1'

/** Copies a screenshot of this run over the README's picture, when asked to (refreshDocs). */
async function publish(shot: string, picture: string): Promise<void> {
  if (refreshDocs) {
    await mkdir(readme, { recursive: true })
    await copyFile(join(shots, shot), join(readme, picture))
  }
}

describe('the web console in Chromium', () => {
  let server: Up
  let browser: Browser | undefined
  const chrome = (): Browser => {
    if (browser === undefined) {
      throw new Error('Chromium did not start')
    }
    return browser
  }
  let admin: string
  const tokens: Record<'alpha' | 'beta' | 'viewer', string> = { alpha: '', beta: '', viewer: '' }
  /** Console errors of every page, except the failed requests a test expects. */
  const consoleErrors: string[] = []
  /** What the pages' Content-Security-Policy refused, on every page of every context. */
  const cspViolations: string[] = []
  const newContext = () => watchedContext(chrome(), { consoleErrors, cspViolations })
  let jobId = ''
  let firstNodes: string[] = []

  const call = (token: string, method: string, path: string, body?: unknown) =>
    callApi(server.url, token, method, path, body)

  /** A signed-in page for a token; `expected` names HTTP statuses this page may see fail. */
  const signedIn = (
    token: string,
    expected: number[] = [],
    base = server.url,
  ): Promise<[BrowserContext, Page]> =>
    signedInAt(chrome(), { consoleErrors, cspViolations }, base, token, expected)

  /**
   * What went wrong setting up, if anything: every test then fails with it (a suite whose setup
   * throws is reported as skipped, and a missing browser must read as a failure).
   */
  let setupError: Error | undefined
  const step = (name: string, body: () => Promise<void> | void) => {
    it(name, async () => {
      if (setupError !== undefined) {
        throw setupError
      }
      await body()
    })
  }

  beforeAll(async () => {
    try {
      await setUp()
    } catch (error) {
      setupError = error instanceof Error ? error : new Error(String(error))
    }
  })

  async function setUp(): Promise<void> {
    browser = await launchChromium()
    const data = await mkdtemp(join(tmpdir(), 'zhisuan-console-e2e-'))
    // a minute of job time per wall second: a one-hour job runs for a minute
    server = await up(['--data-dir', data, '--twin-speed', '60'])
    expect(server.output()).toContain('console: http')
    admin = (await readFile(join(data, 'admin-token'), 'utf8')).trim()
    for (const name of ['alpha', 'beta']) {
      expect(
        (
          await call(admin, 'POST', '/api/v1/tenants', {
            name,
            quotas: { 'llm-train': { guaranteed: 100 } },
          })
        ).status,
      ).toBe(201)
    }
    const issue = async (tenant: string, role: string) =>
      (await call(admin, 'POST', '/api/v1/tokens', { tenant, role })).body['token'] as string
    tokens.alpha = await issue('alpha', 'member')
    tokens.beta = await issue('beta', 'member')
    tokens.viewer = await issue('alpha', 'viewer')
  }

  afterAll(async () => {
    await browser?.close()
    // the support module kills the server after the file whatever happened
  })

  step('serves the console at / beside the API, its docs and metrics', async () => {
    for (const path of ['/', '/jobs/some-job', '/topology?job=x']) {
      const r = await fetch(`${server.url}${path}`)
      expect(r.headers.get('content-type')).toContain('text/html')
      expect(await r.text()).toContain('<div id="root">')
    }
    const missing = await fetch(`${server.url}/api/v1/no-such-route`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not-found')
    expect((await fetch(`${server.url}/docs/json`)).status).toBe(200)
    expect((await fetch(`${server.url}/docs`, { redirect: 'follow' })).status).toBe(200)
    expect((await fetch(`${server.url}/metrics`)).headers.get('content-type')).toContain(
      'text/plain',
    )
    // the pages' policy, which the browser then enforces on every step below
    for (const path of ['/', '/docs']) {
      const policy = (await fetch(`${server.url}${path}`)).headers.get('content-security-policy')
      expect(policy).toContain("script-src 'self'")
      expect(policy).not.toContain('unsafe-')
    }
  })

  step('signs in with a token and refuses an unknown one', async () => {
    const context = await newContext()
    const page = await context.newPage()
    await page.goto(server.url)
    await page.screenshot({ path: join(shots, 'sign-in.png') })
    await page.getByLabel('API token').fill('zs_not-a-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').waitFor({ timeout: 10_000 })
    expect(await page.getByRole('alert').textContent()).toContain('unknown or revoked')
    await page.getByLabel('API token').fill(tokens.alpha)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByTestId('who').waitFor()
    expect(await page.getByTestId('who').textContent()).toContain('alpha · member')
    // the API's own docs, one click from every page
    expect(await page.getByRole('link', { name: 'API docs' }).getAttribute('href')).toBe('/docs')
    await context.close()
  })

  step(
    'submits a job as a tenant, shows the API’s validation message, and watches it go running',
    async () => {
      const [context, page] = await signedIn(tokens.alpha, [400])
      await page.getByRole('link', { name: 'Jobs' }).click()
      await page.getByRole('button', { name: 'Submit a job' }).click()
      const form = page.getByRole('form', { name: 'Submit a job' })
      await form.getByLabel('Name').fill('e2e-train')
      await form.getByLabel('Replicas', { exact: true }).fill('0')
      await form.getByLabel('Accelerators per replica').fill('8')
      await form.getByLabel('Family', { exact: true }).fill('H100')
      await form.getByLabel('Twin run time (s)').fill('3600')
      await form.getByRole('button', { name: 'Submit' }).click()
      await form.locator('.field-error').first().waitFor()
      expect(await form.locator('.field-error').first().textContent()).toMatch(/>= 1|at least 1/)
      await page.screenshot({ path: join(shots, 'jobs-submit-validation.png') })
      await form.getByLabel('Replicas', { exact: true }).fill('2')
      await form.getByRole('button', { name: 'Submit' }).click()
      await page.waitForURL(/\/jobs\/job-/)
      jobId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '')
      await page.locator('h1 .badge', { hasText: 'running' }).waitFor({ timeout: 30_000 })
      await page.getByTestId('placement').waitFor()
      // the twin's estimate: work done of the whole, its share, and the time left at its pace
      const progress = page.getByTestId('progress')
      await progress.waitFor()
      expect(await progress.textContent()).toMatch(
        /the twin’s estimate.*of 1 h of work done \(<?\d+%\); about \d+ (min|s)( \d+ s)? left at the twin’s pace \(60 s of work per second\)/,
      )
      await page.screenshot({ path: join(shots, 'job-detail.png'), fullPage: true })
      const job = await call(tokens.alpha, 'GET', `/api/v1/jobs/${jobId}`)
      firstNodes = job.body['nodes'] as string[]
      expect(firstNodes).toHaveLength(2)
      await page.getByRole('link', { name: 'Jobs' }).click()
      await page.locator(`[data-job="${jobId}"]`).waitFor()
      await page.screenshot({ path: join(shots, 'jobs.png') })
      await context.close()
    },
  )

  step('shows the running job on the topology map with the tiers it spans', async () => {
    const [context, page] = await signedIn(tokens.alpha)
    await page.goto(`${server.url}/jobs/${jobId}`)
    await page.getByRole('link', { name: 'Show it on the map' }).click()
    await page.waitForURL(/\/topology\?job=/)
    await page.getByTestId('span').waitFor()
    expect(await page.getByTestId('span').textContent()).toMatch(
      /crosses the (node|leaf|spine|core) tier/,
    )
    const lit = await Promise.all(
      (await page.locator('[data-highlighted="true"]').all()).map((l) =>
        l.getAttribute('data-node'),
      ),
    )
    expect(lit.sort()).toEqual([...new Set(firstNodes)].sort())
    await page.screenshot({ path: join(shots, 'topology.png'), fullPage: true })
    await context.close()
  })

  step('drains a node as admin with evacuate and sees the gang restart elsewhere', async () => {
    const [context, page] = await signedIn(admin)
    const node = firstNodes[0] ?? ''
    await page.getByRole('link', { name: 'Nodes' }).click()
    const row = page.locator(`tr[data-node="${node}"]`)
    await row.getByRole('button', { name: 'Drain' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Reason').fill('e2e: swap a NIC')
    await dialog.getByLabel(/Evacuate/).check()
    await page.screenshot({ path: join(shots, 'nodes-drain-dialog.png') })
    await dialog.getByRole('button', { name: 'Drain node' }).click()
    await row.getByRole('button', { name: 'Resume' }).waitFor()
    await page.screenshot({ path: join(shots, 'nodes.png'), fullPage: true })
    await page.goto(`${server.url}/jobs/${jobId}`)
    const moved = await until(
      'the gang to restart off the drained node',
      async () => {
        const j = (await call(admin, 'GET', `/api/v1/jobs/${jobId}`)).body
        const nodes = (j['nodes'] ?? []) as string[]
        return j['state'] === 'running' && (j['restarts'] as number) >= 1 && !nodes.includes(node)
          ? nodes
          : undefined
      },
      60_000,
    )
    // the whole gang moved: as many nodes as before, none of them the drained one
    expect(moved).toHaveLength(firstNodes.length)
    await expect
      .poll(async () => page.getByTestId('restarts').textContent(), { timeout: 10_000 })
      .toMatch(/\/ [1-9]/)
    // the events in words with units: the drained node, the work lost, where it resumes
    await expect
      .poll(async () => page.getByTestId('timeline').textContent(), { timeout: 10_000 })
      .toMatch(/attempt 2 after node \S+ was drained \(evacuate\)/)
    const timeline = (await page.getByTestId('timeline').textContent()) ?? ''
    expect(timeline).toMatch(
      /lost (no work|\d.* of run time on 16 accelerators \(.* of accelerator time\))/,
    )
    expect(timeline).toMatch(/attempt 1 on 2 nodes: h100-\d+, h100-\d+/)
    expect(timeline).toMatch(/(resumes|starts) (from|at)/)
    expect(timeline).not.toMatch(/[{}"]|lostS/)
    await page.screenshot({ path: join(shots, 'job-restarted.png'), fullPage: true })
    await page.getByRole('link', { name: 'Tenants and quotas' }).click()
    await page.getByRole('table').waitFor()
    await page.screenshot({ path: join(shots, 'tenants.png'), fullPage: true })
    await context.close()
  })

  step(
    'shows every issue of a refused job once, and a tenant at 290% of its guarantee as 290%',
    async () => {
      // gamma: 8 SCU guaranteed; one H100 node's 8 accelerators are 23.2 SCU, 290% of it
      expect(
        (
          await call(admin, 'POST', '/api/v1/tenants', {
            name: 'gamma',
            quotas: { 'llm-train': { guaranteed: 8, borrowingLimit: 100 } },
          })
        ).status,
      ).toBe(201)
      const gamma = (
        await call(admin, 'POST', '/api/v1/tokens', { tenant: 'gamma', role: 'member' })
      ).body['token'] as string
      const [context, page] = await signedIn(gamma, [422])
      await page.getByRole('link', { name: 'Jobs' }).click()
      await page.getByRole('button', { name: 'Submit a job' }).click()
      const form = page.getByRole('form', { name: 'Submit a job' })
      await form.getByLabel('Name').fill('gamma-sweep')
      await form.getByLabel('Replicas', { exact: true }).fill('20')
      await form.getByLabel('Family', { exact: true }).fill('H100')
      await form.getByLabel('Twin run time (s)').fill('3600')
      await form.getByRole('button', { name: 'Submit' }).click()
      // more than the cluster has and more than gamma may ever hold: both at once, each once
      const refusal = page.getByTestId('refusal')
      await refusal.waitFor()
      const issues = form.locator('.field-issue')
      expect(await issues.count()).toBe(2)
      const texts = await issues.allTextContents()
      expect(texts.join('\n')).toMatch(/the cluster has 64/)
      expect(texts.join('\n')).toMatch(/gamma may ever hold/)
      expect(await refusal.textContent()).toContain('2 problems, shown next to their field above.')
      const body = (await page.locator('main').textContent()) ?? ''
      for (const t of texts) {
        expect(body.split(t).length - 1, t).toBe(1)
      }
      await page.screenshot({ path: join(shots, 'jobs-submit-refused.png') })
      await form.getByLabel('Replicas', { exact: true }).fill('1')
      await form.getByRole('button', { name: 'Submit' }).click()
      await page.waitForURL(/\/jobs\/job-/)
      await page.locator('h1 .badge', { hasText: 'running' }).waitFor({ timeout: 30_000 })
      await context.close()
      const [admins, tenants] = await signedIn(admin)
      await tenants.getByRole('link', { name: 'Tenants and quotas' }).click()
      const row = tenants.locator('tr[data-tenant="gamma"]')
      await expect
        .poll(async () => row.getByTestId('guarantee-use').textContent(), { timeout: 10_000 })
        .toContain('290% of the guarantee')
      expect(await row.locator('.guarantee-over').count()).toBe(1)
      expect(await row.getByRole('img', { name: '290% of the guarantee' }).count()).toBe(1)
      await tenants.screenshot({ path: join(shots, 'tenants-290.png'), fullPage: true })
      await admins.close()
    },
  )

  step('does not show the first tenant’s job to a second tenant', async () => {
    const [context, page] = await signedIn(tokens.beta, [404])
    await page.getByRole('link', { name: 'Jobs' }).click()
    await page.getByText('No jobs match these filters.').waitFor()
    expect(await page.locator(`[data-job="${jobId}"]`).count()).toBe(0)
    await page.goto(`${server.url}/jobs/${jobId}`)
    await page.getByText('that this token may see').waitFor()
    await page.getByRole('link', { name: 'Topology' }).click()
    await page.getByText('No running jobs you can see.').waitFor()
    expect(await page.content()).not.toContain(jobId)
    // beta's own job: the first tenant sees its accelerators taken, not whose they are
    const own = await call(tokens.beta, 'POST', '/api/v1/jobs', {
      name: 'beta-sweep',
      replicas: 4,
      acceleratorsPerReplica: 8,
      chip: { family: 'H100' },
      twin: { durationS: 3600 },
    })
    expect(own.status).toBe(201)
    await context.close()
  })

  step('says why a job waits, in the scheduler’s words, in the list and on its page', async () => {
    // 64 accelerators: over alpha's quota now, and never free while a node is drained
    const waits = await call(tokens.alpha, 'POST', '/api/v1/jobs', {
      name: 'e2e-waits',
      replicas: 8,
      acceleratorsPerReplica: 8,
      chip: { family: 'H100' },
      twin: { durationS: 600 },
    })
    expect(waits.status).toBe(201)
    const id = waits.body['id'] as string
    const why = await until(
      'the scheduler’s reason',
      async () => {
        const w = (await call(tokens.alpha, 'GET', `/api/v1/jobs/${id}/why`)).body
        return w['reason'] === null ? undefined : (w['message'] as string)
      },
      20_000,
    )
    const [context, page] = await signedIn(tokens.alpha)
    await page.getByRole('link', { name: 'Jobs' }).click()
    const row = page.locator(`[data-job="${id}"]`)
    await row.waitFor()
    await expect.poll(async () => row.locator('.reason').textContent()).toBe(why)
    expect(await row.locator('.age').textContent()).toMatch(/^waiting \d+ (s|min)$/)
    const running = page.locator(`[data-job="${jobId}"] .age`)
    expect(await running.textContent()).toMatch(/^running (\d+ min )?\d+ (s|min)$/)
    await page.screenshot({ path: join(shots, 'jobs-reasons.png') })
    await row.click()
    await page.getByTestId('why').waitFor()
    expect(await page.getByTestId('why').textContent()).toContain(why)
    await page.screenshot({ path: join(shots, 'job-pending-why.png'), fullPage: true })
    // the overview: alpha's own demand by name, the other tenants' together
    await page.getByRole('link', { name: 'Overview' }).click()
    const demand = page.getByTestId('tenant-demand')
    await demand.waitFor()
    const own = demand.getByRole('row', { name: /^alpha/ })
    expect((await own.locator('td').allTextContents()).slice(2)).toEqual(['1', '64'])
    expect(await demand.getByRole('rowheader', { name: 'other tenants (together)' }).count()).toBe(
      1,
    )
    expect(await demand.textContent()).not.toMatch(/beta|gamma/)
    await context.close()
  })

  step('gives a viewer read-only controls', async () => {
    const [context, page] = await signedIn(tokens.viewer)
    expect(await page.getByTestId('who').textContent()).toContain('(read-only)')
    await page.getByRole('link', { name: 'Jobs' }).click()
    await page.getByTestId('read-only').waitFor()
    expect(await page.getByRole('button', { name: 'Submit a job' }).count()).toBe(0)
    await page.locator(`[data-job="${jobId}"]`).click()
    await page.getByTestId('timeline').waitFor()
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0)
    // and the API agrees: a viewer's submission is refused
    const refused = await call(tokens.viewer, 'POST', '/api/v1/jobs', {
      name: 'nope',
      acceleratorsPerReplica: 8,
      chip: { family: 'H100' },
    })
    expect(refused.status).toBe(403)
    await context.close()
  })

  step('opens a zhisuan sim --report directory’s report.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zhisuan-report-'))
    const sim = spawnSync(
      process.execPath,
      [
        bin,
        'sim',
        '--cluster',
        join(root, 'examples/clusters/lab-64.yaml'),
        '--workload',
        'llm-mix',
        '--days',
        '1',
        '--report',
        dir,
      ],
      { encoding: 'utf8' },
    )
    expect(sim.status, sim.stderr).toBe(0)
    const [context, page] = await signedIn(tokens.viewer)
    await page.getByRole('link', { name: 'Simulation reports' }).click()
    await page.getByLabel('report.json file').setInputFiles(join(dir, 'report.json'))
    await page.getByRole('rowheader', { name: 'utilization' }).waitFor()
    // the chart library loads on first use
    await expect.poll(() => page.locator('.chart svg').count(), { timeout: 10_000 }).toBe(4)
    expect(await accessibilityProblems(page)).toEqual([])
    await page.screenshot({ path: join(shots, 'reports.png'), fullPage: true })
    await page.getByLabel('report.json file').setInputFiles(join(dir, 'report.md'))
    await page.getByText('Cannot read the report').waitFor()
    await context.close()
  })

  step(
    'shows capacity, allocation over time and each tenant’s demand on the overview',
    async () => {
      // the leader records a sample every 15 s: wait for a few, so the chart has a line
      await until(
        'three utilization samples',
        async () => {
          const o = await call(tokens.alpha, 'GET', '/api/v1/cluster/overview?windowS=3600')
          return (o.body['series'] as unknown[]).length >= 3 ? true : undefined
        },
        60_000,
      )
      const [context, page] = await signedIn(tokens.alpha)
      await page.getByRole('combobox', { name: 'Time window' }).selectOption({ label: 'Last hour' })
      await page.getByRole('heading', { name: 'By chip family' }).waitFor()
      await page.locator('.chart svg').first().waitFor()
      expect(await page.getByText('Failures per 1,000 accelerators per day').count()).toBe(1)
      // allocation, not "utilization"; a drained healthy node is drained, not unhealthy
      expect(await page.getByText('Allocation (allocated / total)').count()).toBe(1)
      expect(await page.locator('main').textContent()).not.toMatch(/utilization/i)
      expect(
        await page.locator('.stat', { hasText: 'Healthy accelerators' }).textContent(),
      ).toContain('56 in service · 8 drained · 0 failed or degraded')
      await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true })
      await publish('overview.png', 'overview.png')
      // the chart's tooltip is drawn under the page's CSP too (cspViolations checks it)
      const chart = page.locator('.chart').first()
      const legend = await chart.getByText('Allocation %').count()
      await chart.hover()
      await expect.poll(() => chart.getByText('Allocation %').count()).toBeGreaterThan(legend)
      // the map now: the job moved off the drained node, the other tenant's gang without its name
      await page.goto(`${server.url}/topology?job=${jobId}`)
      await page.getByTestId('span').waitFor()
      await page.locator('.cell-drained').first().waitFor()
      expect(await page.locator('li.node[data-state="drained"]').count()).toBe(1)
      // beta's and gamma's gangs: grey, hatched, and named so in the legend
      expect(await page.locator('.cell-other').count()).toBeGreaterThan(0)
      expect(await page.getByTestId('legend').locator('li').allTextContents()).toEqual([
        ' free',
        ' your tenant’s jobs',
        ' other tenants’ jobs',
        ' failed node',
        ' drained node (healthy, takes no new work)',
        ' selected job',
      ])
      expect(await page.locator('.block .tier-meta').first().textContent()).toMatch(/^H100 · /)
      expect(await barsOutside(page)).toEqual([])
      await page.screenshot({ path: join(shots, 'topology-after-drain.png'), fullPage: true })
      await publish('topology-after-drain.png', 'topology.png')
      await context.close()
    },
  )

  step('labels each block of a mixed cluster with its chip family', async () => {
    const data = await mkdtemp(join(tmpdir(), 'zhisuan-console-mixed-'))
    const mixed = await up([
      '--data-dir',
      data,
      '--cluster',
      join(root, 'examples/clusters/lab-mixed.yaml'),
    ])
    const token = (await readFile(join(data, 'admin-token'), 'utf8')).trim()
    const [context, page] = await signedIn(token, [], mixed.url)
    await page.getByRole('link', { name: 'Topology' }).click()
    await page.locator('.block').first().waitFor()
    const labels = await page.locator('.block .tier-meta').allTextContents()
    expect(labels).toHaveLength(2)
    expect(labels[0]).toMatch(/^H100 · /)
    expect(labels[1]).toMatch(/^Ascend910A · /)
    expect(await page.locator('.topology > p').first().textContent()).toContain(
      'of H100 and Ascend910A',
    )
    await page.screenshot({ path: join(shots, 'topology-mixed.png'), fullPage: true })
    await context.close()
    await killed(mixed.child, 'SIGTERM')
  })

  step('keeps a 2,000-node map responsive: pods first, expanded on click', async () => {
    // lab-64's pool and fabric, scaled to 2,000 nodes on three tiers
    const lab = await readFile(join(root, 'examples/clusters/lab-64.yaml'), 'utf8')
    const big = lab
      .replace('name: lab-64', 'name: lab-2000')
      .replace(/count: 8$/m, 'count: 2000')
      .replace('tiers: 2', 'tiers: 3')
      .replace('nodesPerBlock: 4', 'nodesPerBlock: 16\n  blocksPerPod: 4')
      .replace('oversubscription: { leaf: 1 }', 'oversubscription: { leaf: 1, spine: 1 }')
    const data = await mkdtemp(join(tmpdir(), 'zhisuan-console-2000-'))
    await writeFile(join(data, 'lab-2000.yaml'), big)
    const large = await up(['--data-dir', data, '--cluster', join(data, 'lab-2000.yaml')])
    const token = (await readFile(join(data, 'admin-token'), 'utf8')).trim()
    const [context, page] = await signedIn(token, [], large.url)
    const started = Date.now()
    await page.getByRole('link', { name: 'Topology' }).click()
    await page.getByRole('button', { name: /^▸? ?Pod 0\b/ }).waitFor()
    const pods = await page.locator('section.pod').count()
    expect(pods).toBe(32)
    expect(await page.locator('li.node').count()).toBe(0) // aggregated until opened
    await page.getByRole('button', { name: /Pod 0\b/ }).click()
    await page.getByRole('button', { name: /Block 0\b/ }).click()
    await page.locator('li.node').first().waitFor()
    expect(await page.locator('li.node').count()).toBe(16)
    expect(await barsOutside(page)).toEqual([])
    expect(Date.now() - started).toBeLessThan(10_000)
    await page.screenshot({ path: join(shots, 'topology-2000.png'), fullPage: false })
    await context.close()
    large.child.kill('SIGTERM')
  })

  step(
    'names every control, keeps text contrast at AA, and navigates by keyboard alone',
    async () => {
      const problems: string[] = []
      const check = async (page: Page, where: string) => {
        await expect.poll(() => page.locator('.loading').count()).toBe(0)
        problems.push(...(await accessibilityProblems(page)).map((p) => `${where}: ${p}`))
        problems.push(...(await pluralMistakes(page)).map((p) => `${where}: plural: ${p}`))
      }
      const context = await newContext()
      const signIn = await context.newPage()
      await signIn.goto(server.url)
      await signIn.getByLabel('API token').waitFor()
      await check(signIn, 'sign-in')
      await context.close()
      const [admins, page] = await signedIn(admin)
      // a service with a history, for the services page
      const service = await call(admin, 'POST', '/api/v1/services', {
        name: 'e2e-chat',
        model: 'llama3-8b',
        chip: { family: 'H100' },
        slo: { ttftP99S: 2, tpotP99S: 0.1 },
        minReplicas: 1,
        maxReplicas: 2,
      })
      expect(service.status).toBe(201)
      for (const [rps, within] of [
        [1, 0.999],
        [3, 0.995],
      ] as const) {
        await call(admin, 'POST', '/api/v1/services/e2e-chat/load', {
          requestsPerS: rps,
          sloAttainment: within,
        })
        await new Promise((r) => setTimeout(r, 1100))
      }
      const pages: [string, string][] = [
        ['/', 'Overview'],
        [`/topology?job=${jobId}`, 'Topology'],
        ['/jobs', 'Jobs'],
        [`/jobs/${jobId}`, 'e2e-train'],
        ['/tenants', 'Tenants and quotas'],
        ['/services', 'Services'],
        ['/nodes', 'Nodes'],
        ['/reports', 'Simulation reports'],
      ]
      for (const [path, heading] of pages) {
        await page.goto(`${server.url}${path}`)
        await page.getByRole('heading', { level: 1, name: heading }).waitFor()
        await check(page, path)
      }
      // the forms and dialogs that open on demand
      await page.goto(`${server.url}/jobs`)
      await page.getByRole('button', { name: 'Submit a job' }).click()
      await page.getByRole('form', { name: 'Submit a job' }).waitFor()
      await check(page, '/jobs (submit form)')
      await page.goto(`${server.url}/nodes`)
      await page.getByRole('button', { name: 'Drain' }).first().click()
      await page.getByRole('dialog').waitFor()
      await check(page, '/nodes (drain dialog)')
      expect(problems).toEqual([])
      // keyboard alone: Tab to the Jobs link, Enter, and the page (and the focus) moves there
      await page.goto(server.url)
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
      const focused = () => page.evaluate('document.activeElement?.textContent ?? ""')
      let tabs = 0
      do {
        await page.keyboard.press('Tab')
        tabs += 1
      } while ((await focused()) !== 'Jobs' && tabs < 20)
      expect(tabs).toBeLessThan(20)
      await page.keyboard.press('Enter')
      await page.waitForURL(/\/jobs$/)
      await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor()
      expect(await page.evaluate('document.activeElement?.id')).toBe('main')
      expect(await page.title()).toContain('Jobs')
      // and on into the page: the next Tab stop is the page's own first control
      await page.keyboard.press('Tab')
      expect(await focused()).toBe('Submit a job')
      await admins.close()
    },
  )

  step(
    'lists 100,000 jobs: bounded rows, the end in one jump, filters answer promptly',
    async () => {
      const data = await mkdtemp(join(tmpdir(), 'zhisuan-console-100k-'))
      const { failed, ofT3, failedOfT3 } = await storeWithJobs(join(data, 'zhisuan.db'), 100_000)
      const large = await up(['--data-dir', data])
      const token = (await readFile(join(data, 'admin-token'), 'utf8')).trim()
      const [context, page] = await signedIn(token, [], large.url)
      const rows = () => page.locator('.job-scroll [role="row"]').count()
      // (a string: this file is type-checked without the DOM's types)
      const scroll = (y: number) =>
        page.evaluate(`document.querySelector('.job-scroll').scrollTo(0, ${y})`)
      const foot = page.locator('.table-foot')
      await page.getByRole('link', { name: 'Jobs' }).click()
      await page.locator('[data-job="job-000000"]').waitFor()
      await expect.poll(() => foot.textContent()).toBe('100,000 jobs')
      expect(await rows()).toBeLessThan(200)
      const started = Date.now()
      await scroll(1e9) // the browser stops it at the end
      await page.locator('[data-job="job-099999"]').waitFor({ timeout: 5000 })
      expect(Date.now() - started).toBeLessThan(5000)
      expect(await rows()).toBeLessThan(200)
      await page.screenshot({ path: join(shots, 'jobs-100k-end.png') })
      await scroll(50_000 * 36)
      await page.locator('[data-job="job-050000"]').waitFor({ timeout: 5000 })
      expect(await rows()).toBeLessThan(200)
      // filters: the count and the first row come back within a couple of seconds each
      const filtered = async (text: string) => {
        const t = Date.now()
        await expect.poll(() => foot.textContent(), { timeout: 5000 }).toBe(text)
        await page.locator('.job-scroll [data-job]').first().waitFor({ timeout: 5000 })
        expect(Date.now() - t).toBeLessThan(3000)
      }
      await page.getByRole('combobox', { name: 'State' }).selectOption('failed')
      await filtered(`${failed.toLocaleString('en-US')} jobs`)
      await page.getByRole('searchbox', { name: 'Tenant' }).fill('t3')
      await page.getByRole('searchbox', { name: 'Tenant' }).press('Enter')
      await filtered(`${failedOfT3.toLocaleString('en-US')} jobs`)
      await page.getByRole('combobox', { name: 'State' }).selectOption('')
      await filtered(`${ofT3.toLocaleString('en-US')} jobs`)
      expect(await page.locator('.job-scroll [data-job] [role="cell"]').nth(2).textContent()).toBe(
        't3',
      )
      await page.getByRole('searchbox', { name: 'Family' }).fill('MI300X')
      await page.getByRole('searchbox', { name: 'Family' }).press('Enter')
      await filtered(`${(ofT3 / 4).toLocaleString('en-US')} jobs`)
      expect(await rows()).toBeLessThan(200)
      await context.close()
      // 40 MB of SQLite: gone once the server is
      await killed(large.child, 'SIGTERM')
      await rm(data, { recursive: true, force: true })
    },
  )

  step('renders the API docs under their Content-Security-Policy', async () => {
    const context = await newContext()
    const page = await context.newPage()
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message} (/docs)`))
    await page.goto(`${server.url}/docs`)
    await page.getByRole('heading', { name: /Zhisuan control plane/ }).waitFor()
    // an operation opened: its parameters, its answers and their schemas, highlighted
    await page.locator('.opblock-summary', { hasText: '/api/v1/tokens' }).first().click()
    await page.locator('.opblock-body .responses-wrapper').first().waitFor()
    await page.getByRole('button', { name: 'Try it out' }).first().click()
    // sent without a token: the 401 rendered, with its curl line and highlighted body
    await page.getByRole('button', { name: 'Execute' }).first().click()
    await page.getByText('Server response').first().waitFor()
    await page.locator('.live-responses-table .response-col_status', { hasText: '401' }).waitFor()
    await page.screenshot({ path: join(shots, 'docs.png') })
    await context.close()
  })

  step('violated no Content-Security-Policy on any page', () => {
    expect(cspViolations).toEqual([])
  })

  step('logged no browser console errors', () => {
    expect(consoleErrors).toEqual([])
  })
})
