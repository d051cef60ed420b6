import { ibdev2netdevParser } from './ibdev2netdev.js'
import { ibnetdiscoverParser } from './ibnetdiscover.js'
import { ibstatParser } from './ibstat.js'
import { ibstatusParser } from './ibstatus.js'
import { ibswinfoParser } from './ibswinfo.js'
import { ibvDevinfoParser } from './ibv-devinfo.js'
import type { NetParser } from './types.js'
import { perfqueryParser } from './perfquery.js'
import { rdmaLinkParser } from './rdma-link.js'

/**
 * The parsers of the InfiniBand / RDMA tools (issue #21): port state and rate (ibstat,
 * ibstatus, ibv_devinfo, rdma link), netdev mapping (ibdev2netdev), the fabric
 * (ibnetdiscover --ports), switch vitals (ibswinfo) and port counters (perfquery).
 * Each scores its own output at 0.9 or more and any other tool's at 0.2 or less.
 */
export const ibParsers: readonly NetParser[] = [
  ibstatParser,
  ibstatusParser,
  ibvDevinfoParser,
  ibdev2netdevParser,
  rdmaLinkParser,
  ibnetdiscoverParser,
  ibswinfoParser,
  perfqueryParser,
]
