import { ZhisuanError } from '../errors.js'

/** How the accelerators of one scale-up domain are joined. */
export type ScaleUpTopology = 'switch' | 'full-mesh' | 'pcie'

/** A scale-up (memory-semantic) domain: one node, an NVL72 rack, a 48-node hypernode. */
export interface ScaleUpDomain {
  readonly preset: ScaleUpPreset | 'custom'
  readonly topology: ScaleUpTopology
  readonly acceleratorsPerNode: number
  /** Nodes joined into one domain; 1 when the domain is the node itself. */
  readonly nodesPerDomain: number
}

/** Named scale-up designs that shipping systems use. */
export type ScaleUpPreset = 'nvswitch-8' | 'hccs-mesh-8' | 'nvl72' | 'hypernode-48' | 'pcie'

/**
 * The builders for shipping scale-up designs.
 * - `nvswitch-8`: an HGX/DGX node, 8 GPUs on NVSwitch (any-to-any at full link rate).
 * - `hccs-mesh-8`: an Atlas 800T A2 style node, 8 NPUs in an HCCS full mesh (7 links each).
 * - `nvl72`: GB200 NVL72, 18 compute trays of 4 GPUs on NVLink switch trays (72 GPUs).
 * - `hypernode-48`: CloudMatrix384 style, 48 nodes × 8 NPUs on a unified-bus switch fabric.
 * - `pcie`: no scale-up link; accelerators talk over PCIe and the host (e.g. L40S, L20).
 */
export const scaleUpPresets: Readonly<Record<ScaleUpPreset, ScaleUpDomain>> = {
  'nvswitch-8': {
    preset: 'nvswitch-8',
    topology: 'switch',
    acceleratorsPerNode: 8,
    nodesPerDomain: 1,
  },
  'hccs-mesh-8': {
    preset: 'hccs-mesh-8',
    topology: 'full-mesh',
    acceleratorsPerNode: 8,
    nodesPerDomain: 1,
  },
  nvl72: { preset: 'nvl72', topology: 'switch', acceleratorsPerNode: 4, nodesPerDomain: 18 },
  'hypernode-48': {
    preset: 'hypernode-48',
    topology: 'switch',
    acceleratorsPerNode: 8,
    nodesPerDomain: 48,
  },
  pcie: { preset: 'pcie', topology: 'pcie', acceleratorsPerNode: 8, nodesPerDomain: 1 },
}

/** Accelerators in one scale-up domain. */
export function scaleUpDomainSize(domain: ScaleUpDomain): number {
  return domain.acceleratorsPerNode * domain.nodesPerDomain
}

/**
 * A scale-up domain from a preset, optionally with another accelerator count per node.
 * @throws ZhisuanError `invalid-input` for a non-positive or non-integer count.
 */
export function scaleUpDomain(
  preset: ScaleUpPreset,
  overrides: { acceleratorsPerNode?: number; nodesPerDomain?: number } = {},
): ScaleUpDomain {
  const base = scaleUpPresets[preset]
  const domain: ScaleUpDomain = {
    ...base,
    acceleratorsPerNode: overrides.acceleratorsPerNode ?? base.acceleratorsPerNode,
    nodesPerDomain: overrides.nodesPerDomain ?? base.nodesPerDomain,
    preset:
      overrides.acceleratorsPerNode === undefined && overrides.nodesPerDomain === undefined
        ? preset
        : 'custom',
  }
  for (const [field, value] of Object.entries(domain)) {
    if (typeof value === 'number' && (!Number.isInteger(value) || value < 1)) {
      throw new ZhisuanError(
        'invalid-input',
        `scale-up ${field} must be a positive integer, got ${value}`,
      )
    }
  }
  return domain
}
