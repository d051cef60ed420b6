import { Type, type Static, type TSchema } from '@sinclair/typebox'

/** How far a number can be trusted. */
export const Confidence = Type.Union([
  Type.Literal('datasheet'),
  Type.Literal('secondary'),
  Type.Literal('estimate'),
])
export type Confidence = Static<typeof Confidence>

const sourced = <T extends TSchema>(value: T) =>
  Type.Object(
    {
      value,
      source: Type.String({ minLength: 3 }),
      confidence: Confidence,
    },
    { additionalProperties: false },
  )

/** A number with its source and confidence. */
export const SourcedNumber = sourced(Type.Number({ minimum: 0 }))
/** A number that is `null` where the chip lacks the capability (e.g. FP8 on A100). */
export const SourcedOptionalNumber = sourced(Type.Union([Type.Number({ minimum: 0 }), Type.Null()]))

export const ScaleUpKind = Type.Union(
  [
    'nvlink',
    'hccs',
    'infinity-fabric',
    'mlu-link',
    'pcie',
    'roce-on-die',
    'xpu-link',
    'metaxlink',
    'mtlink',
    'iluvatar-link',
    'blink',
    'other',
  ].map((k) => Type.Literal(k)),
)

export const CpuArch = Type.Union([Type.Literal('x86_64'), Type.Literal('aarch64')])
export type CpuArch = Static<typeof CpuArch>

const id = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' })

/**
 * A vendor software stack (kernels and collective library) as measured: collective bus
 * bandwidth over the link rate inside a scale-up domain and per NIC, and how much of the
 * performance model's (CUDA-fitted) kernel efficiency the stack reaches.
 */
export const SoftwareStackSchema = Type.Object(
  {
    id,
    collectives: Type.String({ minLength: 1 }),
    scaleUpBusEfficiency: sourced(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    nicEfficiency: sourced(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    maturity: sourced(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
)

export const AcceleratorSchema = Type.Object(
  {
    id,
    vendor: Type.String({ minLength: 1 }),
    family: Type.String({ minLength: 1 }),
    model: Type.String({ minLength: 1 }),
    aliases: Type.Array(Type.String({ minLength: 1 })),
    architecture: Type.String({ minLength: 1 }),
    formFactor: Type.String({ minLength: 1 }),
    hostCpuArchs: Type.Array(CpuArch, { minItems: 1 }),
    pcieGen: SourcedNumber,
    tflops: Type.Object(
      {
        bf16: SourcedOptionalNumber,
        fp16: SourcedOptionalNumber,
        fp8: SourcedOptionalNumber,
        int8: SourcedOptionalNumber,
      },
      { additionalProperties: false },
    ),
    memory: Type.Object(
      { type: Type.String({ minLength: 1 }), gb: SourcedNumber, bandwidthGBs: SourcedNumber },
      { additionalProperties: false },
    ),
    scaleUp: Type.Object(
      { kind: ScaleUpKind, gbpsPerDirection: SourcedNumber, domainSize: SourcedNumber },
      { additionalProperties: false },
    ),
    tdpW: SourcedNumber,
    /** Best measured dense 16-bit GEMM, TFLOP/s (0 where the chip has no 16-bit matrix unit). */
    gemmBf16Tflops: SourcedNumber,
    /** Best measured dense FP8 GEMM, TFLOP/s; `null` where the chip has no FP8 matrix unit. */
    gemmFp8Tflops: SourcedOptionalNumber,
    software: SoftwareStackSchema,
  },
  { additionalProperties: false },
)

export const AcceleratorFileSchema = Type.Object(
  {
    schemaVersion: Type.Literal(1),
    stacks: Type.Array(SoftwareStackSchema, { minItems: 1 }),
    accelerators: Type.Array(AcceleratorSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
)

export const HostCpuSchema = Type.Object(
  {
    id,
    vendor: Type.String({ minLength: 1 }),
    model: Type.String({ minLength: 1 }),
    arch: CpuArch,
    cores: SourcedNumber,
    aliases: Type.Array(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
)

export const HostCpuFileSchema = Type.Object(
  { schemaVersion: Type.Literal(1), hostCpus: Type.Array(HostCpuSchema, { minItems: 1 }) },
  { additionalProperties: false },
)

/** One accelerator model of the catalog; every number carries `source` and `confidence`. */
export type Accelerator = Static<typeof AcceleratorSchema>
/** One host CPU model. */
export type HostCpu = Static<typeof HostCpuSchema>
/** A vendor software stack with its measured efficiencies. */
export type SoftwareStack = Static<typeof SoftwareStackSchema>
/** A number with provenance. */
export type SourcedNumber = Static<typeof SourcedNumber>
