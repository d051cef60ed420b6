import type { BrowserContext } from 'playwright-core'

/**
 * Reports each Content-Security-Policy violation of a page on its console, one line with what
 * was refused and where, under a prefix `watchCsp` picks out. A string: this file is
 * type-checked without the DOM's types, and init scripts run before any script of the page
 * (and outside its CSP), so nothing is refused before the listener is there.
 */
const reportViolations = `document.addEventListener('securitypolicyviolation', (e) => {
  const where = e.sourceFile ? ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber : ''
  const what = e.blockedURI || 'inline'
  const sample = e.sample ? ' (' + e.sample + ')' : ''
  console.error('CSP violation: ' + e.effectiveDirective + ' refused ' + what + where + sample)
})`

/**
 * Collects into `into` every CSP violation on the pages of `context`: those the page's listener
 * reports (above) and Chromium's own "Refused to … because it violates the following Content
 * Security Policy directive" messages, with the page's address.
 */
export async function watchCsp(context: BrowserContext, into: string[]): Promise<void> {
  await context.addInitScript(reportViolations)
  context.on('console', (m) => {
    const text = m.text()
    if (text.startsWith('CSP violation:') || text.includes('Content Security Policy')) {
      into.push(`${text} (${m.page()?.url() ?? '?'})`)
    }
  })
}
