import { Type, type Static } from '@sinclair/typebox'
import { ZhisuanError } from '../errors.js'
import { parseSourceText, validateSchema } from '../validation.js'

const positive = Type.Number({ exclusiveMinimum: 0 })

/**
 * A model service: replicas of a model, each a tensor-parallel gang of one chip inside one
 * scale-up domain, kept between `minReplicas` and `maxReplicas` to meet latency targets on the
 * 99th percentile. `chip` names one family, an ordered list of acceptable families, or (`scu`)
 * any family. What `POST /api/v1/services` takes and what `zhisuan sim --services` reads.
 */
export const ServiceSpecSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' }),
    model: Type.String({ minLength: 1 }),
    chip: Type.Union([
      Type.Object({ family: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      Type.Object(
        { anyOf: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) },
        { additionalProperties: false },
      ),
      Type.Object({ scu: positive }, { additionalProperties: false }),
    ]),
    precision: Type.Optional(
      Type.Union([
        Type.Literal('bf16'),
        Type.Literal('fp8'),
        Type.Literal('int8'),
        Type.Literal('int4'),
      ]),
    ),
    slo: Type.Object({ ttftP99S: positive, tpotP99S: positive }, { additionalProperties: false }),
    minReplicas: Type.Integer({ minimum: 0 }),
    maxReplicas: Type.Integer({ minimum: 1 }),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    tenant: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
)
export type ServiceSpec = Static<typeof ServiceSpecSchema>

/** Default priority of a service: above training (0) so that scaling up may preempt it. */
export const defaultServicePriority = 100

/** Why a service's replica bounds are out of order (`maxReplicas: 2 is below minReplicas 3`), if they are. */
export function replicaBoundsProblem(s: {
  readonly minReplicas: number
  readonly maxReplicas: number
}): string | undefined {
  return s.maxReplicas < s.minReplicas
    ? `maxReplicas: ${s.maxReplicas} is below minReplicas ${s.minReplicas}`
    : undefined
}

/**
 * Checks what the schema cannot: replicas in order, names unique.
 * @throws ZhisuanError `invalid-config` naming the service and field.
 */
export function checkServices(source: string, services: readonly ServiceSpec[]): void {
  const seen = new Set<string>()
  services.forEach((s, i) => {
    const bounds = replicaBoundsProblem(s)
    if (bounds !== undefined) {
      throw new ZhisuanError('invalid-config', `${source}: /${i}/${bounds}`)
    }
    if (seen.has(s.name)) {
      throw new ZhisuanError('invalid-config', `${source}: /${i}/name: "${s.name}" is used twice`)
    }
    seen.add(s.name)
  })
}

/**
 * A services file (YAML or JSON): a list of service bodies.
 * @throws ZhisuanError `invalid-config` naming the line and field of every problem.
 */
export function parseServicesFile(source: string, text: string): ServiceSpec[] {
  const doc = parseSourceText(source, text)
  const services = validateSchema(Type.Array(ServiceSpecSchema, { minItems: 1 }), doc, 'services')
  checkServices(source, services)
  return services
}
