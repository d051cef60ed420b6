/**
 * Huawei Ascend health as data.
 *
 * Sources: `packages/agent/fixtures/telemetry/xid-and-health.md` §3 "Huawei Ascend health and
 * fault codes" (Huawei npu-smi command reference for Ascend 950, "querying the device health
 * status"; Ascend/mind-cluster docs `ascend_device_plugin.md` and `00_cluster_resources.md`),
 * and MindCluster's fault-code table `component/ascend-device-plugin/build/faultCode.json`
 * (Ascend/mind-cluster @ 22bb3d987bc0208c3eb7395e222b661276133c58), copied in the fixtures as
 * `ascend/mindcluster-device-plugin_faultCode.json`. The code lists below are that file's, level
 * by level (the test checks they still agree). The status/action columns are our mapping of
 * the documents' "suggested agent action" onto the agent's actions.
 */
import type { HealthAction, HealthIssue, HealthStatus } from '../inventory.js'

/** What a health value or fault level means for the device. */
export interface AscendRule {
  readonly status: HealthStatus
  readonly action: HealthAction
  readonly reason: string
}

/**
 * The values of npu-smi's `Health` column and of `Health Status` / `Health` in
 * `npu-smi info -t health`: OK, Warning, Alarm, Critical, UNKNOWN (the worst alarm is shown).
 */
export const ascendHealthValues: Readonly<Record<string, AscendRule>> = {
  OK: { status: 'ok', action: 'none', reason: 'npu-smi reports OK' },
  // a minor alarm: the chip still runs work; watch it, do not take it away
  WARNING: {
    status: 'degraded',
    action: 'none',
    reason: 'npu-smi reports Warning (minor alarm): keep schedulable, watch the error codes',
  },
  // a major alarm: the event codes behind it (npu-smi info -t health) decide the repair, which
  // runs from a reset of the chip to its isolation; until they are read, nothing new goes there
  ALARM: {
    status: 'failed',
    action: 'drain-node',
    reason: 'npu-smi reports Alarm (major alarm): drain, then act on its error codes',
  },
  CRITICAL: {
    status: 'failed',
    action: 'drain-node',
    reason: 'npu-smi reports Critical (critical alarm): drain, then act on its error codes',
  },
  // the device is absent or has not started
  UNKNOWN: {
    status: 'failed',
    action: 'drain-node',
    reason: 'npu-smi reports UNKNOWN: the device is absent or did not start',
  },
}

/** MindCluster's handling levels (faultCode.json keys without `Codes`), mildest first. */
export const mindClusterLevels = [
  'NotHandleFault',
  'SubHealthFault',
  'RestartRequest',
  'RestartBusiness',
  'FreeRestartNPU',
  'RestartNPU',
  'PreSeparateNPU',
  'SeparateNPU',
] as const
export type MindClusterLevel = (typeof mindClusterLevels)[number]

/** What each level asks for (xid-and-health.md §3, "Suggested agent action"). */
export const mindClusterLevelRules: Readonly<Record<MindClusterLevel, AscendRule>> = {
  NotHandleFault: {
    status: 'ok',
    action: 'none',
    reason: 'does not affect workloads and recovers by itself (MindCluster NotHandleFault)',
  },
  SubHealthFault: {
    status: 'degraded',
    action: 'none',
    reason: 'degrades performance; investigate (MindCluster SubHealthFault)',
  },
  RestartRequest: {
    status: 'degraded',
    action: 'none',
    reason:
      'the request or training step must be re-run; the node stays (MindCluster RestartRequest)',
  },
  RestartBusiness: {
    status: 'degraded',
    action: 'none',
    reason: 'the workload must be re-run; no device action (MindCluster RestartBusiness)',
  },
  FreeRestartNPU: {
    status: 'degraded',
    action: 'reset-device',
    reason: 'reset the chip once it is idle (MindCluster FreeRestartNPU)',
  },
  RestartNPU: {
    status: 'failed',
    action: 'reset-device',
    reason: 'reset the chip now and re-run the workload (MindCluster RestartNPU)',
  },
  PreSeparateNPU: {
    status: 'degraded',
    action: 'drain-node',
    reason:
      'pre-isolate the chip: take no new work, drain after the job (MindCluster PreSeparateNPU)',
  },
  SeparateNPU: {
    status: 'failed',
    action: 'replace-device',
    reason: 'isolate the chip; it needs replacement (MindCluster SeparateNPU)',
  },
}

/** faultCode.json's codes, level by level (8 or 9 hex digits, space separated). */
const faultCodes: Readonly<Record<MindClusterLevel, string>> = {
  NotHandleFault: `
    80E21007 80E38003 80F78006 80C98006 80CB8006 81318006 80A18006 80A18005 80FB8000 8C1F8609
    80CD8006 80CD8003 80A38006 80A38003 80A58006 80A58003 80DE1805 80F18006 80F18003 80DF8006
    80E01805 80E18400 80E01809 80E18401 80E00209 80F38006 80F38003 80E18006 80D38009 819B800D
    80DD8008 80DD8007 80B98006 80BD8006 819B8006 80DE1803 819D8000 81998006 81978006 81978004
    815F8006 815F8004 81338006 81338004 817F8006 817F8004 816F8006 816F8004 814F8006 814F8004
    81938006 81938004 81478006 81478004 813B8006 813B8004 81578006 81578004 81958006 81958004
    81078603 8C2FA009 A4025021 A60250C1 A4025081 A214000D A414000D A4028801 A4025101 A2140007
    A4140007 A2140008 A4140008 A40250E1 A214000A A414000A A4025061 A4025041 A214000B A414000B
    A414000C A2140009 A4140009 A4303002 80B78006 80B78005 80E1800F 80DE0200 814D8006 8C1F860B
    8C1F8608 4C1F8608 819B8003 80DF8401 80DF8400 80818200 80818201 80818202 80818203 80818204
    80818205 81A44E00 80E38009 81B18603 80F7860C 81B58004 81358009 813D8009 81498009 81618009
    81718009 81078008 81358005 813D8005 81AFAA00 81AFAA01 81AFAA02 81AFAA03 81AFAA04 81AFAA05
    81AFAA06 200001002 80B18009 80B78009 80C98010 80CB8010 80F38009 81498005 81B78009 81AF8009
    81B38010 81078607
  `,
  SubHealthFault: `
    81A3880C 81AD8605 80E20207 81078605 80DE0207 8C2FA001 819B8605 80818C06 8C1F860A 80E18405
    81B18605 110000002 020000002
  `,
  RestartRequest: `
    80C98008 80C98002 80C98003 80C98009 80CB8002 80CB8008 80CB8009 80CF8003 81318008 80D58000
    80D58009 80D98008 80DB800A 80DB8000 80DD8000 80DD8003 80C98000 81AB800D 81AB8003 80BD8000
    80BB8009 80BD8003 80BD8009 80BB8000 80BB8003 80BB8008 80BB800A 81AB8008 80C9800A 80CB800A
    8131800A 80CB8000 8107800D
  `,
  RestartBusiness: `
    8C204E00 A8028802 A4302003 A4302004 A4302005 A4302006 A4302009 A430200A A6301002 B4060011
    B406009C B4060008 B4060009 B406000E A60250A1 A2301001 A2301002 A2303001 B4060006 B4060007
    B406000D B4060014 B4060010 B4060011 80E01801 81B38002
  `,
  FreeRestartNPU: `
    8C0E4E00 8C104E00 8C0C4E00 8C044E00 8C064E00 8C17A005 8C1DA005 8C19A005 8C0A4E00 8C084E00
    A4193217 A4193218 A42A0000 A42F3917 A42F3918 8C464E00 8C124E00 41AE4E01 8C484E00 8C4C4E00
    80AD8009 81CB8003 81CB8009
  `,
  RestartNPU: `
    8C03A000 8C1FA006 40F84E00 80E24E00 80E21E01 80E38008 80E3A202 80E3A203 80E39200 819B800A
    80E2120D 80E78000 80E78008 80FA4E00 812E4E00 80C78008 80F78009 80F78008 80F78003 80E18404
    80FB8005 80A18008 80CD8008 80A38008 80A58008 80DE1801 80F18008 80F18000 80F1800A 80CF8000
    80DF8000 80DF8009 80DF8008 80DF800A 80F38008 80F2180D 80E18005 80E18008 80E1800A 812F8000
    80B98000 80B98008 80BD8008 80CB8001 81998009 81998008 81978008 815F8008 81338008 817F8008
    81478008 813B8008 81578008 81958008 A2141004 A2141006 A2142004 A2142006 A2145004 A4183200
    A6023001 A6023002 A6023003 A6023004 A6060000 A6060001 A6060002 A6060003 A6060004 A6060005
    A606000A A606000B A606000C A606000F A606009D A6060FFF A607FFFF A6140001 A6140002 A6140003
    A6140004 A6140005 A6140006 A6141003 A6142003 A6143003 A6144003 A6145003 A6192D15 A6193206
    A6193215 A6193248 A62F3905 A62FFFFF A6303003 A6303004 A6360000 A6361000 A6362000 A8021004
    A8060FFF A807FFFF A82A0000 80B78000 80B58000 81498004 80F78C02 80F78C03 80F78C04 81B38008
    80E18000 80E21008 80C98001 80E58005 80E58009 80E58E02 80E58E03 816F8008 814F8008 81938008
    80E44E00 80CF8009 80CF8008 813B8002 81338002 81578002 81958002 81938002 81478002 81978002
    815F8002 81C9800A 81C7800A 81C5800A 813F800A 8139800A 8145800A 8C4BA00C 80E3A207 81B18008
    81AF8008 81AF8000 80E58008 80E58E05 81B58002 80D38001 80D58001 80DD8001 81C38000 816F8002
    8C4DA000 814D800A 81AE4E00 80F38000 81B38004 81358004 813D8004 81AF8004 81B1800D 81B38000
    81B38009 81B78004
  `,
  PreSeparateNPU: `
    110001024 8118043C 8118045A 8F180220 8F180221 8F180222 8F180223 8F180224 8F180225 8F180226
    8F180227 8F180228 8F180229 8F18022A 8F18022B 8F18022C 8F18022D 8F18022E 8F18022F 8F180230
    8F180231 8F180232 8F180233 8F180235 8F180236 8F180241 8F180243 8F180244 8F180247 8F180248
    8F18024B 8F18024C 8F18024F 8F180251 8F180254 8F180255 8F180259 8F18025A 8F180420 8F180421
    8F180422 8F180423 8F180424 8F180425 8F180426 8F180427 8F180428 8F180429 8F18042A 8F18042B
    8F18042C 8F18042D 8F18042E 8F18042F 8F180430 8F180431 8F180432 8F180433 8F180434 8F180435
    8F180436 8F180437 8F180438 8F180439 8F18043A 8F18043B 8F18043C 8F180440 8F180441 8F180442
    8F180443 8F180444 8F180445 8F180446 8F180447 8F180448 8F18044B 8F18044C 8F18044D 8F18044E
    8F18044F 8F180450 8F180451 8F180452 8F180453 8F180454 8F180455 8F180456 8F180457 8F180458
    8F180459 8F18045A 8F18045B 8F18045C 8F18121B 8F181801 8F184C00 8F184C01 8F184C02 8F184C03
    8F184C04 8F184C05 8F184C10 8F184C11 8F184C12 8F184C13 8F184C14 8F184C15 8F184C16 8F184C17
    8F184C18 8F184C19 8F184C1A 8F184C1B 8F184C1C 8F184C1E 8F184C1F 8F184C21 8F184C22 8F184C23
    8F184C24 8F19A000 8F19A001 8F19A002 8F19A003 8F19A004 8F19A005 8F19A006 8F19A007 8F19A008
    8F19A009 8F19A00A 8F19A00B 8F19A00C 8F19A00D 8F19A00E 8F19A00F 8F19A010 8F19A011 8F19A012
    8F19A013 8F19A014 8F19A015 8F19A016 8F19A017 8F19A018 8F19A019 8F19A01A 8F19A01B 8F19A01C
    8F19A01D 8F19A01E 8F19A01F 8F19A020 8F19A021 8F19A022 8F19A023 8F19A024 8F19A025 8F19A026
    8F19A027 8F19A028 8F19A029 8F19A02A 8F19A02B 8F19A02C 8F19A02D 8F19A02E 8F19A02F 8F19A030
    8F19A031 8F19A032 8F19A033 8F19A034 8F19A035 8F19A036 8F19A037 8F19A038 8F19A039 8F19A03A
    8F19A03B 8F19A03C 8F19A03D 8F19A03E 8F19A03F 8F19A040 8F19A041 8F19A042 8F19A043 8F19A044
    8F19A045 8F19A046 8F19A047 8F19A048 8F19A049 8F19A04A 8F19A04B 8F19A04C 8F19A04D 8F19A04E
  `,
  SeparateNPU: `
    80E3A201 80E18402 80E0020B 817F8002 814F8002 9419321B A2301000 A2301001 A2302001 4C4BA00C
    A4192C1A A4193216 A419321B A419321C A42F390F A42F3916 A42F391A A6183207 A62F3934 A8028801
    A819320F A8193234 A8193235 80818C00 80818C05 80DF8402 020001002 8F180200 8F180201 8F180202
    8F180203 8F180204 8F180205 8F180206 8F180207 8F180208 8F180209 8F18020A 8F18020B 8F18020C
    8F18020D 8F18020E 8F18020F 8F180210 8F180211 8F180212 8F180213 8F180214 8F180215 8F180216
    8F180217 8F180218 8F180219 8F180234 8F180242 8F180245 8F180246 8F180249 8F18024A 8F18024D
    8F18024E 8F180252 8F180253 8F180256 8F180257 8F180258 8F18025B 8F18025C 8F18025D 8F18025E
    8F18025F 8F180260 8F180261 8F180262 8F180263 8F180264 8F180265 8F180266 8F180267 8F180268
    8F180269 8F18026A 8F18026B 8F18026C 8F18026D 8F18026E 8F18026F 8F180270 8F180271 8F180272
    8F180273 8F180274 8F180275 8F180276 8F180277 8F180278 8F180279 8F18027A 8F18027B 8F18027C
    8F18027D 8F18027E 8F18027F 8F180280 8F180281 8F180282 8F180283 8F180284 8F180285 8F180286
    8F180287 8F180288 8F180289 8F18028A 8F18028B 8F18028C 8F18028D 8F18028E 8F18028F 8F180290
    8F180291 8F180292 8F180400 8F180401 8F180402 8F180403 8F180404 8F180405 8F180406 8F180407
    8F180408 8F180409 8F18040A 8F18040B 8F18040C 8F18040D 8F18040E 8F18040F 8F180410 8F180411
    8F180412 8F180413 8F180414 8F180415 8F180416 8F180417 8F180418 8F180419 8F18041A 8F18041B
    8F18041C 8F180460 8F180461 8F180462 8F180463 8F180464 8F180465 8F180466 8F180467 8F180468
    8F180469 8F18046A 8F18046B 8F18046C 8F18046D 8F18046E 8F18046F 8F180470 8F180471 8F180472
    8F180473 8F180474 8F180475 8F180476 8F180477 8F180478 8F180479 8F18047A 8F18047B 8F18047C
    8F180A00 8F180A01 8F180E00 8F180E10 8F180E11 8F180E12 8F180E13 8F180E14 8F180E15 8F180E16
    8F180E17 8F180E18 8F180E19 8F180E1A 8F180E1B 8F180E1C 8F180E1D 8F180E1E 8F180E1F 8F180E20
    8F180E21 8F181020 8F181021 8F181210 8F181211 8F181212 8F181213 8F181214 8F181215 8F181216
    8F181217 8F181218 8F181219 8F18121A 8F19800C
  `,
}

const levelOfCode = new Map<string, MindClusterLevel>()
// a code listed under two levels (A2301001: RestartBusiness and SeparateNPU) takes the worse
for (const level of mindClusterLevels) {
  for (const code of faultCodes[level].split(/\s+/)) {
    if (code !== '') {
      levelOfCode.set(code, level)
    }
  }
}

/** The codes of each level, as faultCode.json lists them. */
export function mindClusterCodes(level: MindClusterLevel): readonly string[] {
  return faultCodes[level].split(/\s+/).filter((c) => c !== '')
}

/** MindCluster's level for an npu-smi event code, or null when its table does not list it. */
export function mindClusterLevel(code: string): MindClusterLevel | null {
  return levelOfCode.get(code.trim().toUpperCase()) ?? null
}

/** The rule for a health value as npu-smi prints it (any case); unknown values are degraded. */
export function ascendHealthRule(value: string): AscendRule {
  return (
    ascendHealthValues[value.trim().toUpperCase()] ?? {
      status: 'degraded',
      action: 'none',
      reason: `npu-smi reports an unknown health value "${value.trim()}"`,
    }
  )
}

/** The issue a health value raises, with its source. */
export function ascendHealthIssue(value: string, detail = ''): HealthIssue {
  const rule = ascendHealthRule(value)
  const reason = detail === '' ? rule.reason : `${rule.reason} (${detail})`
  return { status: rule.status, action: rule.action, reason, source: 'npu-smi health' }
}

/** The issue an npu-smi event code raises; a code MindCluster does not list is degraded. */
export function ascendFaultCodeIssue(code: string): HealthIssue {
  const level = mindClusterLevel(code)
  const source = `npu-smi error code ${code}`
  if (level === null) {
    return {
      status: 'degraded',
      action: 'none',
      reason: `event ${code} is not in MindCluster's fault-code table; look it up in Huawei's fault definitions`,
      source,
    }
  }
  const rule = mindClusterLevelRules[level]
  return {
    status: rule.status,
    action: rule.action,
    reason: `event ${code}: ${rule.reason}`,
    source,
  }
}
