import {
  guidOfGid as ibGuidOfGid,
  ibGuid,
  ibPhysicalState,
  ibPortState,
  portVerdicts,
  type PortReading,
} from './ib-port.js'
import type { LinkLayer, NetVerdict, NicPort, PhysicalState, PortState } from './types.js'

/**
 * Port attributes as sysfs prints them (`Documentation/ABI/stable/sysfs-class-infiniband`;
 * the numbers are the IB spec's PortInfo codes, the words the kernel's names for them).
 */

/** `4: ACTIVE` → `active`: the same reading as every IB tool's (ib-port.ts). */
export function portStateOf(text: string | undefined): PortState {
  return ibPortState(text ?? '')
}

/**
 * `5: LinkUp` → `linkup`, as every IB tool's (ib-port.ts); sysfs's link error recovery is the
 * link retraining, so `training`.
 */
export function physicalStateOf(text: string | undefined): PhysicalState {
  return /linkerrorrecovery/i.test((text ?? '').replace(/\s/g, ''))
    ? 'training'
    : ibPhysicalState(text ?? '')
}

/** `400 Gb/sec (4X NDR)` → 400, `2.5 Gb/sec (1X SDR)` → 2.5; null for anything else. */
export function rateGbpsOf(text: string | undefined): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*Gb\/sec\b/.exec(text ?? '')
  return m?.[1] === undefined ? null : Number(m[1])
}

/** Drivers whose devices speak only iWARP (their sysfs `link_layer` says Ethernet). */
const iwarpOnly = /^(i40iw|iw_cxgb|cxgb[34]|siw)/

/**
 * `InfiniBand` → IB (Omni-Path hfi1 says InfiniBand too); `Ethernet` → RoCE, or iWARP for an
 * iWARP-only driver. The driver decides over the file for those: an i40iw port is iWARP
 * whatever its `link_layer` says.
 */
export function linkLayerOf(device: string, text: string | undefined): LinkLayer | null {
  if (iwarpOnly.test(device)) {
    return 'iWARP'
  }
  const word = (text ?? '').trim().toLowerCase()
  return word === 'infiniband' ? 'IB' : word === 'ethernet' ? 'RoCE' : null
}

/** Whether sysfs' link layer disagrees with the driver (an i40iw port that says InfiniBand). */
export function linkLayerMismatch(device: string, text: string | undefined): boolean {
  return iwarpOnly.test(device) && (text ?? '').trim().toLowerCase() === 'infiniband'
}

/** A node GUID as sysfs prints it (`58a2:e103:00a7:820e`) → `0x58a2e10300a7820e` (ib-port.ts). */
export function guidOf(text: string | undefined): string | null {
  return ibGuid(text ?? '')
}

/** The port GUID in GID 0 (`fe80:0000:0000:0000:58a2:e103:00a7:820e`); none when all zero. */
export function guidOfGid(text: string | undefined): string | null {
  const guid = ibGuidOfGid(text ?? '')
  return guid === '0x0000000000000000' ? null : guid
}

/** What a port keeps while it exists: all but its states and rate. */
export type NicFixed = Omit<NicPort, 'state' | 'physicalState' | 'rateGbps'>

/** The files of a device that `fixedPort` reads. */
export const deviceFiles = ['fw_ver', 'hca_type', 'board_id', 'node_guid'] as const

/**
 * What sysfs says of a port that does not change while it exists: from its device's files
 * (`deviceFiles`) and its own (`link_layer`, `gids/0`, `gid_attrs/ndevs/0`), each as read
 * (undefined when absent).
 */
export function fixedPort(
  device: string,
  port: number,
  portCount: number,
  deviceFile: (name: (typeof deviceFiles)[number]) => string | undefined,
  own: { readonly linkLayer?: string; readonly gid0?: string; readonly ndev0?: string },
): NicFixed {
  const text = (t: string | undefined): string | null => t?.trim() || null
  // ConnectX-4 and later give a one-port device's port the node GUID (ibstat shows both)
  const nodeGuid = portCount === 1 ? guidOf(deviceFile('node_guid')) : null
  return {
    device,
    port,
    linkLayer: linkLayerOf(device, own.linkLayer),
    firmware: text(deviceFile('fw_ver')),
    netdev: text(own.ndev0),
    guid: guidOfGid(own.gid0) ?? nodeGuid,
    model: text(deviceFile('hca_type')) ?? text(deviceFile('board_id')),
  }
}

/** The counter directories of a port, in the order a name clash is settled. */
export const counterDirs: readonly string[] = ['counters', 'counters_ext', 'hw_counters']

/**
 * The name a counter file is sampled under: its own, or `hw_counters/<name>` for a
 * `hw_counters/` file whose name a counter already has; null for `lifespan`, hw_counters'
 * cache time (ms), a setting and not a counter.
 */
export function counterName(
  dir: string,
  file: string,
  taken: (name: string) => boolean,
): string | null {
  if (file === 'lifespan') {
    return null
  }
  return dir === 'hw_counters' && taken(file) ? `hw_counters/${file}` : file
}

/** A port read from sysfs as the verdict rules take it (a state it could not read: none). */
export function readingOf(nic: NicPort): PortReading {
  return {
    nic,
    stateText: nic.state === 'unknown' ? null : nic.state,
    physicalText: nic.physicalState === 'unknown' ? null : nic.physicalState,
  }
}

/**
 * What one reading of a port's state says, by the rules every tool's readings follow
 * (`portVerdicts` in ib-port.ts): not Active or not LinkUp is `failed`; null when it is neither.
 */
export function portStateVerdict(nic: NicPort): NetVerdict | null {
  const [verdict] = portVerdicts([readingOf(nic)])
  return verdict === undefined || verdict.health === 'healthy' ? null : verdict
}
