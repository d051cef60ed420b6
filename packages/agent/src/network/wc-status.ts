/**
 * What an RDMA work-completion error means, for the NCCL and UCX log parsers.
 *
 * Sources: `enum ibv_wc_status` and `ibv_wc_status_str()` in rdma-core's libibverbs
 * (`verbs.h`, `verbs.c`); the mlx5 error-CQE syndromes and their mapping to `ibv_wc_status`
 * in rdma-core `providers/mlx5/cq.c` (`mlx5_handle_error_cqe`), the same values UCX prints as
 * `synd 0x..`. The vendor syndrome (`vendor err`, `vend 0x..`) is the adapter's own detail; its
 * values are not published, so it is reported as given and never interpreted.
 */

/** One `ibv_wc_status`: the enum name and what it tells an operator. */
export interface WcStatus {
  readonly code: number
  /** `IBV_WC_RETRY_EXC_ERR` */
  readonly name: string
  /** libibverbs' wording, then what it means for the link. */
  readonly meaning: string
}

// code|name|meaning — `ibv_wc_status_str()` text, then, where it helps, why it happens.
const statusRows = `
0|IBV_WC_SUCCESS|success
1|IBV_WC_LOC_LEN_ERR|local length error: a message longer than the posted receive buffer
2|IBV_WC_LOC_QP_OP_ERR|local QP operation error
3|IBV_WC_LOC_EEC_OP_ERR|local EE context operation error
4|IBV_WC_LOC_PROT_ERR|local protection error: the request used memory this NIC may not access (a memory registration problem on this host, e.g. GPUDirect RDMA memory), not a link fault
5|IBV_WC_WR_FLUSH_ERR|work request flushed: the QP was already in the error state after an earlier error
6|IBV_WC_MW_BIND_ERR|memory window bind error
7|IBV_WC_BAD_RESP_ERR|bad response error
8|IBV_WC_LOC_ACCESS_ERR|local access error
9|IBV_WC_REM_INV_REQ_ERR|remote invalid request error
10|IBV_WC_REM_ACCESS_ERR|remote access error: the peer refused the memory key
11|IBV_WC_REM_OP_ERR|remote operation error
12|IBV_WC_RETRY_EXC_ERR|transport retry counter exceeded: the peer or the link did not answer (packet loss, a down link or a dead peer)
13|IBV_WC_RNR_RETRY_EXC_ERR|RNR retry counter exceeded: the peer had no receive buffer posted for too long
14|IBV_WC_LOC_RDD_VIOL_ERR|local RDD violation error
15|IBV_WC_REM_INV_RD_REQ_ERR|remote invalid RD request
16|IBV_WC_REM_ABORT_ERR|remote aborted error
17|IBV_WC_INV_EECN_ERR|invalid EE context number
18|IBV_WC_INV_EEC_STATE_ERR|invalid EE context state
19|IBV_WC_FATAL_ERR|fatal error
20|IBV_WC_RESP_TIMEOUT_ERR|response timeout error
21|IBV_WC_GENERAL_ERR|general error
`

const statuses: ReadonlyMap<number, WcStatus> = new Map(
  statusRows
    .trim()
    .split('\n')
    .map((row) => {
      const [code = '', name = '', meaning = ''] = row.split('|')
      return [Number(code), { code: Number(code), name, meaning }] as const
    }),
)

/** `IBV_WC_GENERAL_ERR`: the status of a failure that gives no status of its own. */
export const generalError = 21

/** The status with this code; an unknown code gets a generic entry that keeps the number. */
export function wcStatus(code: number): WcStatus {
  return (
    statuses.get(code) ?? { code, name: `status ${code}`, meaning: 'unknown completion status' }
  )
}

/** The status named `IBV_WC_…` (as newer NCCL prints it), if it is one. */
export function wcStatusByName(name: string): WcStatus | undefined {
  return [...statuses.values()].find((s) => s.name === name)
}

/** mlx5 error-CQE syndrome → `ibv_wc_status` code (rdma-core `mlx5_handle_error_cqe`). */
const mlx5Syndromes: ReadonlyMap<number, number> = new Map([
  [0x01, 1],
  [0x02, 2],
  [0x04, 4],
  [0x05, 5],
  [0x06, 6],
  [0x10, 7],
  [0x11, 8],
  [0x12, 9],
  [0x13, 10],
  [0x14, 11],
  [0x15, 12],
  [0x16, 13],
  [0x22, 16],
])

/** The `ibv_wc_status` an mlx5 CQE syndrome stands for (0x15 → 12), or general error. */
export function statusOfMlx5Syndrome(syndrome: number): WcStatus {
  return wcStatus(mlx5Syndromes.get(syndrome) ?? generalError)
}

/** `status=12 (IBV_WC_RETRY_EXC_ERR: transport retry counter exceeded: …)` for a reason. */
export function describeStatus(s: WcStatus): string {
  return `status ${s.code} (${s.name}: ${s.meaning})`
}

/** `vendor err 129 (0x81)`: the adapter's syndrome, given in both bases as tools differ. */
export function describeVendorError(vendorErr: number | null): string {
  return vendorErr === null ? '' : `, vendor err ${vendorErr} (0x${vendorErr.toString(16)})`
}
