import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { watchCsp } from './csp.js'

// What the browser suites share: Debian's Chromium, where their screenshots go, and signed-in
// pages whose console errors and CSP violations they collect.

/** Debian's Chromium; the suites fail (never skip) without it. */
const chromiumPath = process.env['ZHISUAN_CHROMIUM'] ?? '/usr/bin/chromium'
/** The repository's root. */
export const root = fileURLToPath(new URL('../../../', import.meta.url))
/** Where the suites' screenshots go. */
export const shots = join(root, 'test-output', 'console')

/**
 * Starts Debian's Chromium, headless, and makes the screenshots' folder.
 * @throws Error naming the path where Chromium is missing
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `${chromiumPath} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium)`,
    )
  }
  await mkdir(shots, { recursive: true })
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] })
}

/** Where a suite collects what its pages logged. */
export interface PageLog {
  /** Console errors and page errors, each with where it came from. */
  readonly consoleErrors: string[]
  /** What the pages' Content-Security-Policy refused. */
  readonly cspViolations: string[]
}

/** A context at the suites' viewport whose pages' CSP violations go to `log`. */
export async function watchedContext(browser: Browser, log: PageLog): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  await watchCsp(context, log.cspViolations)
  return context
}

/**
 * A page of a fresh {@link watchedContext} (15 s default timeout) signed in at `base` with
 * `token`; its console errors go to `log`, but for failed requests of the HTTP statuses
 * `expected`.
 */
export async function signedIn(
  browser: Browser,
  log: PageLog,
  base: string,
  token: string,
  expected: readonly number[] = [],
): Promise<[BrowserContext, Page]> {
  const context = await watchedContext(browser, log)
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  page.on('console', (m) => {
    const status = /status of (\d+)/.exec(m.text())?.[1]
    if (m.type() === 'error' && !(status !== undefined && expected.includes(Number(status)))) {
      log.consoleErrors.push(`${m.text()} (${page.url()})`)
    }
  })
  page.on('pageerror', (e) => log.consoleErrors.push(`page error: ${e.message}`))
  await page.goto(base)
  await page.getByLabel('API token').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByTestId('who').waitFor()
  return [context, page]
}
