export {
  acceptanceChecks,
  acceptanceMarkdown,
  type AcceptanceReport,
  type Candidate,
  type NodeVerdict,
} from './accept.js'
export {
  cablingReasons,
  fabricMapOf,
  type CablingCandidate,
  type FabricMap,
} from './accept-cabling.js'
export {
  networkAcceptance,
  scaleOutPorts,
  withNetwork,
  type NetworkAcceptance,
  type NicEvidence,
  type NicReport,
} from './accept-network.js'
export {
  Agent,
  agentVersion,
  collect,
  kernelLogCommand,
  processRunner,
  sendReport,
  toolCommands,
  type AgentOptions,
  type CommandRunner,
  type NodeReportBody,
  type OutputReader,
} from './agent.js'
export { matchCatalog, type CatalogMatch } from './catalog-match.js'
export { verdict, worst } from './health.js'
export { parseKernelLog, xidTable, type XidIssue, type XidRule } from './health-rules/xid.js'
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
export { defaultReader, detectParser, parseOutput, parsers } from './parsers/index.js'
export { parseNvidiaTopology, type NvidiaTopology } from './parsers/nvidia-topo.js'
export { parseNvlinkStatus, type NvlinkStatus } from './parsers/nvidia-nvlink.js'
export { mebibytes, numberIn, parseError } from './text.js'
export {
  assessRates,
  detectNetParser,
  netParsers,
  networkSummary,
  parseNetwork,
  rateRules,
  rateVerdict,
  type CounterSample,
  type LinkLayer,
  type NetHealth,
  type NetParser,
  type NetToolName,
  type NetVerdict,
  type NetworkReport,
  type NicPort,
} from './network/index.js'
export {
  NicHealthTracker,
  NicSampler,
  writeSysfsTree,
  type CounterReadStrategy,
  type LostPort,
  type NicSample,
  type NicSamplerOptions,
  type NodeNicHealth,
  type PortHealth,
} from './network/index.js'
