export { matchCatalog, type CatalogMatch } from './catalog-match.js'
export { verdict, worst } from './health.js'
export {
  unknownEcc,
  unknownLinks,
  type Device,
  type DeviceHealth,
  type DeviceInventory,
  type HealthAction,
  type HealthIssue,
  type HealthStatus,
  type SmiParser,
  type ToolName,
} from './inventory.js'
export { mebibytes, numberIn, parseError } from './text.js'
