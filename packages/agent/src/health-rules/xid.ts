import type { Device, HealthAction, HealthIssue, HealthStatus } from '../inventory.js'

/** How the agent treats an Xid: the worst it says of the GPU, what to do, and NVIDIA's advice. */
export interface XidRule {
  readonly xid: number
  /** NVIDIA's mnemonic (`ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS`), or `UNUSED`. */
  readonly name: string
  readonly status: HealthStatus
  readonly action: HealthAction
  /** NVIDIA's description, then the suggested agent action. */
  readonly reason: string
}

/**
 * The agent's classes of Xid: the "Suggested agent action" column of
 * packages/agent/fixtures/telemetry/xid-and-health.md (section 1) put onto the agent's
 * statuses and actions. `failed` marks a GPU that runs no work until the action is done (the
 * document's practical notes: 79 needs a reboot; 62, 109, 119, 120, 143, 158 leave the GPU
 * unusable until a reset); `ok` marks application-caused and informational Xids, which the
 * agent records without faulting the GPU. Rows: class | status | action | advice.
 */
const classRows = `
app|ok|none|application error: fail/restart the job; drain only if it repeats across jobs
info|ok|none|informational: ignore or follow the companion Xid
uvm|ok|none|check UVM / application (usually sympathetic)
follow|ok|none|follow the Xid that caused it; if alone, restart Fabric Manager
reset|degraded|reset-device|reset the GPU (cordon, wait idle, reset); drain the node if reset fails or repeats
reset-down|failed|reset-device|the GPU is unusable until reset: reset it; drain the node if reset fails or repeats
dbe|degraded|reset-device|fail the job; reset the GPU (row remap); drain the node if remap fails / pending
nvlink|degraded|reset-device|reset the GPU; drain the node if NVLink errors persist
nvlink5|degraded|reset-device|decode intrinfo (Xid 144-150 table); reset the GPU if fatal, else ignore
recovery|degraded|none|read the recovery action it announces (GPU reset / node reboot required)
aux|degraded|drain-node|drain the node; check aux power / seating
vgpu|failed|drain-node|drain the node; update driver / vGPU firmware
rma|degraded|drain-node|drain the node; collect nvidia-bug-report; RMA candidate
vm|failed|drain-node|reboot the VM (drain first)
reboot|failed|drain-node|reboot the node (drain first)
unpublished|degraded|drain-node|no published action yet: drain and investigate
unused|degraded|drain-node|not emitted by current drivers: drain and investigate
`

const statuses: readonly HealthStatus[] = ['ok', 'degraded', 'failed']
const actions: readonly HealthAction[] = ['none', 'reset-device', 'drain-node', 'replace-device']

function member<T extends string>(values: readonly T[], value: string | undefined): T {
  const found = values.find((v) => v === value)
  if (found === undefined) {
    throw new Error(`xid table: "${value ?? ''}" is none of ${values.join(', ')}`)
  }
  return found
}

const classes = new Map(
  classRows
    .trim()
    .split('\n')
    .map((row) => {
      const [kind = '', status, action, advice = ''] = row.split('|')
      const c = { status: member(statuses, status), action: member(actions, action), advice }
      return [kind, c] as const
    }),
)

// xid | mnemonic | NVIDIA's description | class — copied from the table in
// packages/agent/fixtures/telemetry/xid-and-health.md section 1 (NVIDIA's Xid catalog as
// mirrored by leptonai/gpud catalog_generated.go @ 4a8de33a), one row per Xid listed there.
const rows = `
8|ROBUST_CHANNEL_FIFO_ERROR_IDLE_TIMEOUT|GPU stopped processing|app
11|ROBUST_CHANNEL_GR_ERROR_MISSING_HW|Invalid or corrupted push buffer stream|app
13|ROBUST_CHANNEL_GR_EXCEPTION / ROBUST_CHANNEL_GR_ERROR_SW_NOTIFY|Graphics Engine Exception|app
25|ROBUST_CHANNEL_GR_ILLEGAL_NOTIFY|Invalid or illegal push buffer stream|app
31|ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT|GPU memory page fault|app
32|ROBUST_CHANNEL_PBDMA_ERROR|Invalid or corrupted push buffer stream|app
37|ROBUST_CHANNEL_FECS_ERR_UNIMP_FIRMWARE_METHOD|Driver firmware error|info
38|ROBUST_CHANNEL_FECS_ERR_WATCHDOG_TIMEOUT|Driver firmware error|info
39|ROBUST_CHANNEL_CE0_ERROR|Copy Engine Exception|app
40|ROBUST_CHANNEL_CE1_ERROR|Copy Engine Exception|app
41|ROBUST_CHANNEL_CE2_ERROR|Copy Engine Exception|app
43|ROBUST_CHANNEL_RESETCHANNEL_VERIF_ERROR|GPU stopped processing|info
44|ROBUST_CHANNEL_GR_FAULT_DURING_CTXSW|Graphics Engine fault during context switch|info
45|ROBUST_CHANNEL_PREEMPTIVE_REMOVAL|Preemptive cleanup, due to previous errors -- Most likely to see when running multiple cuda applications and hitting a DBE|follow
46|ROBUST_CHANNEL_GPU_TIMEOUT_ERROR|GPU stopped processing|reset
48|ROBUST_CHANNEL_GPU_ECC_DBE|Double Bit ECC Error|dbe
54|SILENT_RUNNING_PWR_REDUCED_CLOCKING|Auxiliary power is not connected to the GPU board|aux
60|ROBUST_CHANNEL_SEC2_ERROR|Video processor exception|app
62|PMU_HALT_ERROR|Internal micro-controller halt (newer drivers)|reset-down
63|INFOROM_DRAM_RETIREMENT_EVENT|GPU memory remapping event|info
64|INFOROM_DRAM_RETIREMENT_FAILURE|GPU memory remapping failure|reset
66|ROBUST_CHANNEL_FECS_ERR_REG_ACCESS_VIOLATION|Illegal access by driver|info
67|ROBUST_CHANNEL_FECS_ERR_VERIF_VIOLATION|Illegal access by driver|info
68|ROBUST_CHANNEL_NVDEC0_ERROR|NVDEC0 Exception|app
69|ROBUST_CHANNEL_GR_CLASS_ERROR|Graphics Engine class error|app
70|ROBUST_CHANNEL_CE3_ERROR|CE3: Unknown Error|app
71|ROBUST_CHANNEL_CE4_ERROR|CE4: Unknown Error|app
72|ROBUST_CHANNEL_CE5_ERROR|CE5: Unknown Error|app
74|NVLINK_ERROR|NVLINK Error|nvlink
75|ROBUST_CHANNEL_CE6_ERROR|CE6: Unknown Error|app
76|ROBUST_CHANNEL_CE7_ERROR|CE7: Unknown Error|app
77|ROBUST_CHANNEL_CE8_ERROR|CE8: Unknown Error|app
78|VGPU_START_ERROR|vGPU Start Error|vgpu
79|ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS|GPU has fallen off the bus|reboot
80|PBDMA_PUSHBUFFER_CRC_MISMATCH|Corrupted data sent to GPU|app
82|ROBUST_CHANNEL_NVJPG0_ERROR|NVJPG0 Error|app
83|ROBUST_CHANNEL_NVDEC1_ERROR|NVDEC1 Error|app
84|ROBUST_CHANNEL_NVDEC2_ERROR|NVDEC2 Error|app
85|ROBUST_CHANNEL_CE9_ERROR|CE9: Unknown Error|app
86|ROBUST_CHANNEL_OFA0_ERROR|OFA Exception|app
88|ROBUST_CHANNEL_NVDEC3_ERROR|NVDEC3 Error|app
89|ROBUST_CHANNEL_NVDEC4_ERROR|NVDEC4 Error|app
92|EXCESSIVE_SBE_INTERRUPTS|High single-bit ECC error rate|info
93|INFOROM_ERASE_LIMIT_EXCEEDED|Non-fatal violation of provisioned InfoROM wear limit|info
94|ROBUST_CHANNEL_CONTAINED_ERROR|Contained memory error|app
95|ROBUST_CHANNEL_UNCONTAINED_ERROR|Uncontained memory error|reset
96|ROBUST_CHANNEL_NVDEC5_ERROR|NVDEC5 Error|app
97|ROBUST_CHANNEL_NVDEC6_ERROR|NVDEC6 Error|app
98|ROBUST_CHANNEL_NVDEC7_ERROR|NVDEC7 Error|app
99|ROBUST_CHANNEL_NVJPG1_ERROR|NVJPG1 Error|app
100|ROBUST_CHANNEL_NVJPG2_ERROR|NVJPG2 Error|app
101|ROBUST_CHANNEL_NVJPG3_ERROR|NVJPG3 Error|app
102|ROBUST_CHANNEL_NVJPG4_ERROR|NVJPG4 Error|app
103|ROBUST_CHANNEL_NVJPG5_ERROR|NVJPG5 Error|app
104|ROBUST_CHANNEL_NVJPG6_ERROR|NVJPG6 Error|app
105|ROBUST_CHANNEL_NVJPG7_ERROR|NVJPG7 Error|app
106|SMBPBI_TEST_MESSAGE|SMBPBI Test Message|info
107|SMBPBI_TEST_MESSAGE_SILENT|SMBPBI Test Message Silent|info
109|ROBUST_CHANNEL_CTXSW_TIMEOUT_ERROR|Context Switch Timeout Error|reset-down
110|SEC_FAULT_ERROR|Security Fault Error|reset
119|GSP_RPC_TIMEOUT|GSP RPC Timeout|reset-down
120|GSP_ERROR|GSP Error|reset-down
121|C2C_ERROR|C2C Error|info
126|ROBUST_CHANNEL_CE10_ERROR|CE10: Unknown Error|app
127|ROBUST_CHANNEL_CE11_ERROR|CE11: Unknown Error|app
128|ROBUST_CHANNEL_CE12_ERROR|CE12: Unknown Error|app
129|ROBUST_CHANNEL_CE13_ERROR|CE13: Unknown Error|app
130|ROBUST_CHANNEL_CE14_ERROR|CE14: Unknown Error|app
131|ROBUST_CHANNEL_CE15_ERROR|CE15: Unknown Error|app
132|ROBUST_CHANNEL_CE16_ERROR|CE16: Unknown Error|app
133|ROBUST_CHANNEL_CE17_ERROR|CE17: Unknown Error|app
134|ROBUST_CHANNEL_CE18_ERROR|CE18: Unknown Error|app
135|ROBUST_CHANNEL_CE19_ERROR|CE19: Unknown Error|app
136|ALI_TRAINING_FAIL|Link Training Failed|reset
137|NVLINK_PRIV_ERR|NVLink Privilege Error|info
139|ROBUST_CHANNEL_OFA1_ERROR|OFA1 Error|app
140|UNRECOVERABLE_ECC_ERROR_ESCAPE|ECC Unrecovered Error|reset
141|ROBUST_CHANNEL_FAST_PATH_ERROR|CUDA Fast Path Error|info
142|ROBUST_CHANNEL_NVENC3_ERROR|NVENC3 Error|rma
143|GPU_INIT_ERROR|GPU Initialization Error|reset-down
144|NVLINK_SAW_ERROR|NVLINK: SAW Error|nvlink5
145|NVLINK_RLW_ERROR|NVLINK: RLW Error|nvlink5
146|NVLINK_TLW_ERROR|NVLINK: TLW Error|nvlink5
147|NVLINK_TREX_ERROR|NVLINK: TREX Error|nvlink5
148|NVLINK_NVLPW_CTRL_ERROR|NVLINK: NVLPW_CTRL Error|nvlink5
149|NVLINK_NETIR_ERROR|NVLINK: NETIR Error|nvlink5
150|NVLINK_MSE_ERROR|NVLINK: MSE Error|nvlink5
151|ROBUST_CHANNEL_KEY_ROTATION_ERROR|Key rotation Error|vm
152|ROBUST_CHANNEL_DLA_SMMU_ERROR|DLA SMMU Error|info
153|ROBUST_CHANNEL_DLA_TIMEOUT|DLA timeout Error|info
154|GPU_RECOVERY_ACTION_CHANGED|GPU Recovery Action Changed|recovery
155|NVLINK_SW_DEFINED_ERROR|NVLINK: SW Defined Error|reset
156|RESOURCE_RETIREMENT_EVENT|Resource Retirement Event|reset
157|RESOURCE_RETIREMENT_FAILURE|Resource Retirement Failure|info
158|GPU_FATAL_TIMEOUT|GPU Fatal Timeout|reset-down
159|ROBUST_CHANNEL_CHI_NON_DATA_ERROR|CHI Non-Data Error|uvm
160|CHANNEL_RETIREMENT_EVENT|Channel Retirement Event|info
161|CHANNEL_RETIREMENT_FAILURE|Channel Retirement Failure|info
162|PSHC_REENGAGED|Power Smoothing HW Circuitry capability reengaged|unpublished
163|PSHC_DISENGAGED|Power Smoothing HW Circuitry capability disengaged|unpublished
164|PSHC_LOW_LIFETIME|Power Smoothing HW Circuitry low lifetime reached|unpublished
165|PSHC_ZERO_LIFETIME|Power Smoothing HW Circuitry lifetime exhausted|unpublished
166|NVLINK_SECURE_CRYPTO_ERR|CC traffic seen prior to link properly being configured for encrypted traffic|unpublished
167|PCIE_FATAL_TIMEOUT|PCIE_FATAL_TIMEOUT|unpublished
168|REDUCED_GPU_MEMORY_CAPACITY|Errors found in WPR (write protected region)|unpublished
169|SEC2_HALT_ERROR|Internal micro-controller halt|unpublished
170|NVLINK_SECURE_OTHER|Interrupt seen in CC mode|unpublished
171|UNCORRECTABLE_DRAM_ERROR|Additional to Xid 48 providing more details on particulars of fault to differentiate DRAM/SRAM|unpublished
172|UNCORRECTABLE_SRAM_ERROR|Additional to Xid 48 providing more details on particulars of fault to differentiate DRAM/SRAM|unpublished
`

// Xids the catalog marks "Unused" (same document, below the table)
const unused = [
  1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 27, 28, 29, 30,
  33, 34, 35, 36, 42, 47, 49, 50, 51, 52, 53, 55, 56, 57, 58, 59, 61, 65, 73, 81, 87, 90, 91, 108,
  111, 112, 113, 114, 115, 116, 117, 118, 122, 123, 124, 125, 138,
]

function rule(xid: number, name: string, meaning: string, kind: string): XidRule {
  const c = classes.get(kind)
  if (c === undefined) {
    throw new Error(`xid table: Xid ${xid} has no class ${kind}`)
  }
  return { xid, name, status: c.status, action: c.action, reason: `${meaning}: ${c.advice}` }
}

/** Every Xid in xid-and-health.md, by code. */
export const xidTable: readonly XidRule[] = [
  ...rows
    .trim()
    .split('\n')
    .map((row) => {
      const [xid = '', name = '', meaning = '', kind = ''] = row.split('|')
      return rule(Number(xid), name, meaning, kind)
    }),
  ...unused.map((xid) => rule(xid, 'UNUSED', `Xid ${xid} (unused)`, 'unused')),
].sort((a, b) => a.xid - b.xid)

const byXid = new Map(xidTable.map((r) => [r.xid, r]))

/** The rule of an Xid; an Xid the table does not know is degraded, action none. */
export function xidRule(xid: number): XidRule {
  return (
    byXid.get(xid) ?? {
      xid,
      name: 'UNKNOWN',
      status: 'degraded',
      action: 'none',
      reason: `unknown Xid ${xid}`,
    }
  )
}

/** One Xid the kernel logged, classified, and the GPU it names. */
export interface XidIssue extends HealthIssue {
  readonly xid: number
  /** The PCI address as nvidia-smi prints it: `00000000:9B:00.0`. */
  readonly busId: string
  /** From the driver's `GPU at PCI:… : GPU-…` line, where the log has one. */
  readonly uuid: string | null
  /** The index of the device of that bus id (or uuid) among the devices given, else null. */
  readonly device: number | null
  /** 1-based line of the log. */
  readonly line: number
  /** The driver's text after `pid=…, name=…,`. */
  readonly message: string
}

/** `0000:9b:00` (kernel) and `00000000:9B:00.0` (nvidia-smi) → `00000000:9B:00.0`. */
export function normalizeBusId(text: string): string | null {
  const m = /([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})(?:\.([0-7]))?/i.exec(text)
  if (m === null) {
    return null
  }
  const [, domain = '', bus = '', dev = '', fn = '0'] = m
  return `${domain.padStart(8, '0')}:${bus}:${dev}.${fn}`.toUpperCase()
}

const xidLine =
  /NVRM: Xid \((?:PCI:)?([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}(?:\.[0-7])?)\): (\d+)(.*)$/i
const uuidLine =
  /NVRM: GPU at PCI:([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}(?:\.[0-7])?): (GPU-[0-9a-f-]+)/i

/**
 * The NVRM Xid lines of kernel log text (`dmesg`, `journalctl -k`), one issue per line, each
 * classified by {@link xidTable} and tied to a device by PCI bus id (or by the uuid the driver
 * logged for that bus). Other lines are skipped.
 */
export function parseKernelLog(
  text: string,
  devices: readonly Pick<Device, 'index' | 'busId' | 'uuid'>[] = [],
): XidIssue[] {
  const uuids = new Map<string, string>()
  const issues: XidIssue[] = []
  text.split(/\r?\n/).forEach((line, k) => {
    const gpu = uuidLine.exec(line)
    const gpuBus = normalizeBusId(gpu?.[1] ?? '')
    if (gpuBus !== null && gpu?.[2] !== undefined) {
      uuids.set(gpuBus, gpu[2])
    }
    const m = xidLine.exec(line)
    const busId = normalizeBusId(m?.[1] ?? '')
    if (m === null || busId === null) {
      return
    }
    const xid = Number(m[2])
    const r = xidRule(xid)
    const uuid = uuids.get(busId) ?? null
    const device = devices.find(
      (d) =>
        (d.busId !== null && normalizeBusId(d.busId) === busId) ||
        (uuid !== null && d.uuid === uuid),
    )
    const rest = (m[3] ?? '').replace(/^,\s*/, '')
    const message = /^pid=[^,]*,\s*name=[^,]*,\s*([\s\S]*)$/.exec(rest)?.[1] ?? rest
    issues.push({
      status: r.status,
      action: r.action,
      reason: r.name === 'UNKNOWN' ? r.reason : `Xid ${xid} ${r.reason}`,
      source: `xid:${xid}`,
      xid,
      busId,
      uuid,
      device: device?.index ?? null,
      line: k + 1,
      message: message.trim(),
    })
  })
  return issues
}
