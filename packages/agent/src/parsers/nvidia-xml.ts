import type { Catalog } from '@zhisuan/domain'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { DeviceInventory, SmiParser } from '../inventory.js'
import { numberIn, parseError } from '../text.js'
import { nvidiaDevice, present } from './nvidia-device.js'
import { rawGpuFromTree, valueAt, type SmiNode } from './nvidia-tree.js'

const tool = 'nvidia-smi-xml'

const xml = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  // numeric character references (&#65; &#x42;) are decoded only with this on; its successor,
  // `entityDecoder`, wants @nodable/entities, which this package does not depend on
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  htmlEntities: true,
  captureMetaData: true,
})
const meta = XMLParser.getMetaDataSymbol() as symbol

/** One entry of the `preserveOrder` output: `{ name: children, ':@': attrs }` or `{ '#text': text }`. */
type Entry = Record<string | symbol, unknown>

/** The element name of an entry; undefined for text and `<?…?>`. */
function elementName(entry: Entry): string | undefined {
  return Object.keys(entry).find((k) => k !== ':@' && k !== '#text' && !k.startsWith('?'))
}

/** The line of an entry's start, for entries visited in document order. */
function lineCounter(text: string): (entry: Entry) => number {
  let at = 0
  let line = 1
  return (entry) => {
    const offset = (entry[meta] as { startIndex?: number } | undefined)?.startIndex ?? at
    if (offset < at) {
      at = 0
      line = 1
    }
    line += text.slice(at, offset).split('\n').length - 1
    at = offset
    return line
  }
}

function toNode(name: string, entry: Entry, lineAt: (entry: Entry) => number): SmiNode {
  const node: SmiNode = {
    name,
    text: '',
    children: [],
    line: lineAt(entry),
    attrs: (entry[':@'] ?? {}) as Record<string, string>,
  }
  for (const item of entry[name] as Entry[]) {
    const text = item['#text']
    const childName = elementName(item)
    if (typeof text === 'string') {
      node.text += text
    } else if (childName !== undefined) {
      node.children.push(toNode(childName, item, lineAt))
    }
  }
  return node
}

/**
 * The element tree of an XML document (fast-xml-parser), with the SYSTEM id of its
 * `<!DOCTYPE …>`. Malformed XML throws with the line.
 */
export function readXml(text: string): { root: SmiNode; dtd: string | null } {
  // deprecated for the separate fast-xml-validator package; the parser itself gives no lines
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const valid = XMLValidator.validate(text)
  if (valid !== true) {
    const { code, msg, line } = valid.err
    // tags still open where the text ends (a cut output) come as "Invalid '[…]' found." on line 1
    const atEnd = code === 'InvalidXml' && msg.startsWith("Invalid '[")
    throw parseError(tool, atEnd ? text.split('\n').length : line, msg)
  }
  let entries: Entry[]
  try {
    entries = xml.parse(text) as Entry[]
  } catch (e) {
    throw parseError(tool, 1, e instanceof Error ? e.message : String(e))
  }
  const lineAt = lineCounter(text)
  const [first, second] = entries.filter((e) => elementName(e) !== undefined)
  const rootName = first === undefined ? undefined : elementName(first)
  if (first === undefined || rootName === undefined) {
    throw parseError(tool, 1, 'no XML element')
  }
  if (second !== undefined) {
    throw parseError(tool, lineAt(second), `second root element <${String(elementName(second))}>`)
  }
  const dtd = /<!DOCTYPE\s[^>]*?SYSTEM\s+["']([^"']*)["']/.exec(text)?.[1] ?? null
  return { root: toNode(rootName, first, lineAt), dtd }
}

function parse(text: string, catalog: Catalog): DeviceInventory {
  const { root, dtd } = readXml(text)
  if (root.name !== 'nvidia_smi_log') {
    throw parseError(tool, root.line, `the root element is <${root.name}>, not <nvidia_smi_log>`)
  }
  const gpus = root.children.filter((c) => c.name === 'gpu')
  const devices = gpus.map((g, order) => {
    const raw = rawGpuFromTree(g, order)
    if (raw.model === '') {
      throw parseError(tool, g.line, '<gpu> has no <product_name>')
    }
    return nvidiaDevice(raw, catalog)
  })
  const warnings: string[] = []
  const attached = numberIn(present(valueAt(root, 'attached_gpus'))) ?? gpus.length
  if (attached !== gpus.length) {
    warnings.push(`attached_gpus says ${attached} but the output holds ${gpus.length} <gpu>`)
  }
  const vbios = new Set(gpus.map((g) => present(valueAt(g, 'vbios_version'))))
  const [firmware] = vbios
  const version = dtd === null ? undefined : /_(v\d+)\.dtd$/.exec(dtd)?.[1]
  return {
    vendor: 'NVIDIA',
    tool,
    toolVersion: version === undefined ? null : `dtd ${version}`,
    driverVersion: present(valueAt(root, 'driver_version')) ?? null,
    // the VBIOS, where every GPU runs the same one
    firmwareVersion: vbios.size === 1 ? (firmware ?? null) : null,
    devices,
    warnings,
  }
}

/** `nvidia-smi -q -x` (XML, DTD v10 to v13). */
export const nvidiaXmlParser: SmiParser = {
  tool,
  vendor: 'NVIDIA',
  detect: (text) => (/<nvidia_smi_log[\s>]/.test(text) ? 0.95 : 0),
  parse,
}
