import { Type, type Static } from '@sinclair/typebox'

const positiveInt = (description: string) => Type.Integer({ minimum: 1, description })
const positive = (description: string) => Type.Number({ exclusiveMinimum: 0, description })
const name = Type.String({ pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', maxLength: 40 })

const Nic = Type.Object(
  { count: positiveInt('NICs per node'), gbps: positive('Gb/s per NIC') },
  { additionalProperties: false },
)

export const ScaleUpPresetName = Type.Union([
  Type.Literal('nvswitch-8'),
  Type.Literal('hccs-mesh-8'),
  Type.Literal('nvl72'),
  Type.Literal('hypernode-48'),
  Type.Literal('pcie'),
])

export const PoolSchema = Type.Object(
  {
    name,
    count: positiveInt('nodes in the pool'),
    accelerator: Type.String({ minLength: 1 }),
    acceleratorsPerNode: Type.Optional(positiveInt('accelerators per node')),
    scaleUp: ScaleUpPresetName,
    nodesPerDomain: Type.Optional(positiveInt('nodes per scale-up domain')),
    cpu: Type.String({ minLength: 1 }),
    cpuSockets: Type.Optional(positiveInt('CPU sockets per node')),
    memoryGB: positive('host memory per node, GB'),
    nvmeTB: Type.Number({ minimum: 0, description: 'local NVMe per node, TB' }),
    nics: Type.Optional(Nic),
    spare: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const FabricSchema = Type.Object(
  {
    design: Type.Union([Type.Literal('rail-optimized'), Type.Literal('fat-tree')]),
    tiers: Type.Union([Type.Literal(2), Type.Literal(3)]),
    planes: Type.Optional(positiveInt('independent network planes')),
    switchRadix: positiveInt('ports per switch'),
    nodesPerBlock: positiveInt('nodes under one leaf group'),
    blocksPerPod: Type.Optional(positiveInt('blocks under one spine group')),
    oversubscription: Type.Optional(
      Type.Object(
        {
          leaf: Type.Optional(positive('leaf down:up')),
          spine: Type.Optional(positive('spine down:up')),
        },
        { additionalProperties: false },
      ),
    ),
    nic: Nic,
  },
  { additionalProperties: false },
)

export const StorageTierSchema = Type.Object(
  {
    name,
    kind: Type.Union([
      Type.Literal('host-memory'),
      Type.Literal('local-nvme'),
      Type.Literal('shared-fs'),
      Type.Literal('object-store'),
    ]),
    readGBs: positive('aggregate read GB/s'),
    writeGBs: positive('aggregate write GB/s'),
    capacityTB: Type.Optional(positive('capacity, TB')),
  },
  { additionalProperties: false },
)

/**
 * How a Slurm cluster's nodes map to this file, read by the Slurm backend: `features` maps a
 * Slurm node feature (slurm.conf `Features=`) to the catalog accelerator it stands for, e.g.
 * `{ h100: nvidia-h100-sxm-80gb }`. Feature names are matched exactly, as Slurm does.
 */
export const SlurmSectionSchema = Type.Object(
  {
    features: Type.Record(
      Type.String(),
      Type.String({ minLength: 1, description: 'catalog accelerator id' }),
      { description: 'Slurm node feature → catalog accelerator id' },
    ),
  },
  { additionalProperties: false },
)

export const ClusterFileSchema = Type.Object(
  {
    schemaVersion: Type.Literal(1),
    name,
    description: Type.Optional(Type.String()),
    pools: Type.Array(PoolSchema, { minItems: 1 }),
    fabric: FabricSchema,
    storage: Type.Array(StorageTierSchema),
    slurm: Type.Optional(SlurmSectionSchema),
  },
  { additionalProperties: false },
)

export type ClusterFile = Static<typeof ClusterFileSchema>
export type PoolFile = Static<typeof PoolSchema>
/** A storage tier of the cluster with its aggregate bandwidth. */
export type StorageTier = Static<typeof StorageTierSchema>
