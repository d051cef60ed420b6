import { ethtoolStatsParser } from './ethtool-stats.js'
import { ncclLogParser } from './nccl-log.js'
import { ncclTestsParser } from './nccl-tests.js'
import { sysfsInfinibandParser } from './sysfs-infiniband.js'
import type { NetParser } from './types.js'
import { ucxLogParser } from './ucx-log.js'

/**
 * The parsers for NIC counters and RDMA error logs (issue #21): `/sys/class/infiniband`
 * dumps, `ethtool -S`, NCCL and UCX logs, nccl-tests tables. Pick the one whose `detect`
 * scores a text highest; each scores its own formats 0.9 or more.
 */
export const counterParsers: readonly NetParser[] = [
  sysfsInfinibandParser,
  ethtoolStatsParser,
  ncclLogParser,
  ucxLogParser,
  ncclTestsParser,
]

export { ethtoolStatsParser, ncclLogParser, ncclTestsParser, sysfsInfinibandParser, ucxLogParser }
export { assessRates, rateVerdict } from './health-rates.js'
export type { RateAssessment, RateFinding, RateInput } from './health-rates.js'
export { rateRules } from './health-rate-rules.js'
export type { RateKind, RateRule, RateThreshold } from './health-rate-rules.js'
