import type { Page } from 'playwright-core'

/** The pods and blocks of the map whose utilization bar does not lie inside their border. */
export async function barsOutside(page: Page): Promise<string[]> {
  const out: string[] = []
  for (const box of await page.locator('.pod, .block').all()) {
    const bar = box.locator(':scope > .tier-head .statebar')
    const [outer, inner] = [await box.boundingBox(), await bar.boundingBox()]
    if (outer === null || inner === null) {
      continue
    }
    const inside =
      inner.x >= outer.x && inner.x + inner.width <= outer.x + outer.width - 1 && inner.width >= 32
    if (!inside) {
      out.push(`${(await box.getAttribute('aria-label')) ?? '?'}: ${JSON.stringify(inner)}`)
    }
  }
  return out
}

/** Roles a user operates: each needs an accessible name. */
const controlRoles =
  'button|link|textbox|searchbox|combobox|listbox|checkbox|radio|spinbutton|slider|switch|tab|menuitem'

/** The controls of a page's accessibility tree that have no name, as its ARIA snapshot lists them. */
async function unnamedControls(page: Page): Promise<string[]> {
  const tree = await page.locator('body').ariaSnapshot()
  const unnamed = new RegExp(`^\\s*- (${controlRoles})(?: \\[[^\\]]*\\])*(?::.*)?$`)
  return tree.split('\n').filter((line) => unnamed.test(line))
}

/**
 * Text whose colour is below WCAG AA against the background it sits on (4.5:1; 3:1 from 24 px,
 * or 18.66 px bold): every element with text of its own, its colour and the first opaque
 * background behind it (translucent ones blended in). Disabled controls are exempt; SVG (the
 * charts) is not looked at. Evaluated as a string: this file is type-checked without the DOM.
 */
const lowContrastScript = `(() => {
  const rgba = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c)
    if (m === null) return null
    const p = m[1].split(/[\\s,/]+/).filter(Boolean).map(Number)
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }
  }
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  })
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4 }
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b)
  }
  const background = (el) => {
    const layers = []
    for (let e = el; e !== null; e = e.parentElement) {
      const style = getComputedStyle(e)
      if (style.backgroundImage !== 'none') return null
      const c = rgba(style.backgroundColor)
      if (c !== null && c.a > 0) {
        layers.push(c)
        if (c.a >= 1) break
      }
    }
    return layers.reverse().reduce((under, top) => over(top, under), { r: 255, g: 255, b: 255, a: 1 })
  }
  const out = []
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg, :disabled, [aria-disabled="true"], option') !== null) continue
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '')
    const box = el.getBoundingClientRect()
    if (!own || box.width <= 1 || box.height <= 1) continue
    const style = getComputedStyle(el)
    if (style.visibility !== 'visible' || Number(style.opacity) < 1) continue
    const bg = background(el)
    const fg = rgba(style.color)
    if (bg === null || fg === null) continue
    const text = over(fg, bg)
    const [hi, lo] = [lum(text), lum(bg)].sort((a, b) => b - a)
    const ratio = (hi + 0.05) / (lo + 0.05)
    const size = parseFloat(style.fontSize)
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700)
    if (ratio < (large ? 3 : 4.5)) {
      out.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 40) + '" ' + ratio.toFixed(2) + ': ' + style.color + ' on ' + JSON.stringify(bg))
    }
  }
  return out
})()`

/** What fails the page's accessibility checks: unnamed controls and low-contrast text. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  return [
    ...(await unnamedControls(page)).map((l) => `unnamed: ${l.trim()}`),
    ...(await page.evaluate<string[]>(lowContrastScript)).map((l) => `contrast: ${l}`),
  ]
}

/** Nouns the console counts. */
const counted =
  'nodes|blocks|pods|jobs|replicas|accelerators|leaves|spines|planes|tiers|checkpoints|failures|problems|switches|samples'

/** "1 blocks"-style mistakes in the page's text: a lone 1 before a plural noun. */
export async function pluralMistakes(page: Page): Promise<string[]> {
  const text = await page.locator('body').innerText()
  const mistake = new RegExp(`(?<![\\d.,])1 (${counted})\\b`, 'g')
  return [...text.matchAll(mistake)].map((m) => {
    const at = m.index
    return text.slice(Math.max(0, at - 30), at + m[0].length + 10).replace(/\s+/g, ' ')
  })
}
