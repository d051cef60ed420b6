import { Type, type Static } from '@sinclair/typebox'
import { ZhisuanError, closestNames, type Catalog, type Cluster } from '@zhisuan/domain'
import {
  chipOf,
  clusterJobNetwork,
  modelPreset,
  modernStack,
  searchParallelism,
  workloadClasses,
  type WorkloadClass,
} from '@zhisuan/perf'
import type { ChipRequirement, JobSpec } from '@zhisuan/scheduler'

const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' })

/** A job as the API takes it (`POST /api/v1/jobs`). */
export const JobBody = Type.Object(
  {
    name: Name,
    queue: Type.Optional(Name),
    replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    acceleratorsPerReplica: Type.Integer({ minimum: 1, maximum: 64 }),
    chip: Type.Union([
      Type.Object(
        { family: Type.String({ minLength: 1, maxLength: 64 }) },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          anyOf: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
            minItems: 1,
            maxItems: 32,
          }),
          ordered: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          scu: Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000 }),
          workload: Type.Optional(Type.Union(workloadClasses.map((c) => Type.Literal(c)))),
        },
        { additionalProperties: false },
      ),
    ]),
    workload: Type.Optional(Type.Union(workloadClasses.map((c) => Type.Literal(c)))),
    archs: Type.Optional(
      Type.Array(Type.Union([Type.Literal('x86_64'), Type.Literal('aarch64')]), {
        minItems: 1,
        maxItems: 2,
      }),
    ),
    topology: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('required'), Type.Literal('preferred')]),
          tier: Type.Union([Type.Literal('node'), Type.Literal('leaf'), Type.Literal('spine')]),
          maxWaitS: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400 })),
        },
        { additionalProperties: false },
      ),
    ),
    priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
    runtimeLimitS: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 * 86_400 })),
    image: Type.Optional(Type.String({ maxLength: 512 })),
    command: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 256 })),
    env: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
        Type.String({ maxLength: 4096 }),
        {
          // a name outside the pattern is refused, not let through unchecked (the OpenAPI fuzz
          // found `"a b": 500,000 characters` stored with 201)
          additionalProperties: false,
          maxProperties: 1024,
          description: 'environment variables: names [A-Za-z_][A-Za-z0-9_]*, values ≤ 4,096',
        },
      ),
    ),
    checkpoint: Type.Optional(
      Type.Object(
        {
          intervalS: Type.Optional(Type.Integer({ minimum: 10, maximum: 30 * 86_400 })),
          keepLast: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
          keepEvery: Type.Optional(Type.Integer({ minimum: 1, maximum: 1e15 })),
          keepTagged: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    twin: Type.Optional(
      Type.Object(
        {
          durationS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 366 * 86_400 })),
          model: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          tokens: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e15 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
export type JobBody = Static<typeof JobBody>

/** What the store keeps as a job's spec: the body as sent plus what submission resolved. */
export interface StoredSpec {
  readonly body: JobBody
  readonly replicas: number
  readonly workloadClass: WorkloadClass
  /** Job-time seconds the twin runs it (from the hint, the performance model, or the default). */
  readonly durationS: number
  readonly durationSource: 'hint' | 'performance-model' | 'runtime-limit' | 'default'
}

/** Twin runs without a hint, a model or a limit last this long, s. */
export const defaultTwinDurationS = 600

/** The chip families of a cluster's working pools (what `{ "family": "any" }` means). */
export function clusterFamilies(cluster: Cluster): string[] {
  return [...new Set(cluster.pools.filter((p) => !p.spare).map((p) => p.accelerator.family))]
}

/**
 * Checks a job body against the cluster and catalog and resolves what submission decides.
 * @throws ZhisuanError `invalid-input` naming the field: an unknown chip family, a gang wider
 * than a node, a maximum wait on a required topology, a model the performance model does not know.
 */
export function resolveJob(body: JobBody, cluster: Cluster, catalog: Catalog): StoredSpec {
  const known = new Set(catalog.accelerators.map((a) => a.family))
  const asked =
    'family' in body.chip ? [body.chip.family] : 'anyOf' in body.chip ? body.chip.anyOf : []
  for (const [i, f] of asked.entries()) {
    if (f !== 'any' && !known.has(f)) {
      const field = 'family' in body.chip ? '/chip/family' : `/chip/anyOf/${i}`
      throw new ZhisuanError('invalid-input', `${field}: unknown chip family "${f}"`, {
        issues: [
          {
            path: field,
            message: `unknown chip family "${f}"; did you mean ${closestNames(f, [...known]).join(', ')}?`,
          },
        ],
      })
    }
  }
  const perNode = Math.max(...cluster.pools.map((p) => p.scaleUp.acceleratorsPerNode))
  if (body.acceleratorsPerReplica > perNode) {
    throw new ZhisuanError(
      'invalid-input',
      `/acceleratorsPerReplica: ${body.acceleratorsPerReplica} is more than the largest node holds (${perNode}); use more replicas`,
      { issues: [{ path: '/acceleratorsPerReplica', message: `at most ${perNode}` }] },
    )
  }
  if (body.topology?.maxWaitS !== undefined && body.topology.mode !== 'preferred') {
    throw new ZhisuanError(
      'invalid-input',
      '/topology/maxWaitS: applies to a preferred topology only (required never starts above its tier)',
      { issues: [{ path: '/topology/maxWaitS', message: 'only with mode preferred' }] },
    )
  }
  const workloadClass =
    ('scu' in body.chip ? body.chip.workload : undefined) ?? body.workload ?? 'llm-train'
  const replicas = body.replicas ?? 1
  const twin = body.twin
  if (twin?.durationS !== undefined) {
    return { body, replicas, workloadClass, durationS: twin.durationS, durationSource: 'hint' }
  }
  if (twin?.model !== undefined) {
    if (twin.tokens === undefined) {
      throw new ZhisuanError('invalid-input', '/twin/tokens: a twin model needs a token budget', {
        issues: [{ path: '/twin/tokens', message: 'required with /twin/model' }],
      })
    }
    return {
      body,
      replicas,
      workloadClass,
      durationS: modelDuration(body, twin.model, twin.tokens, replicas, cluster),
      durationSource: 'performance-model',
    }
  }
  if (body.runtimeLimitS !== undefined) {
    return {
      body,
      replicas,
      workloadClass,
      durationS: body.runtimeLimitS,
      durationSource: 'runtime-limit',
    }
  }
  return {
    body,
    replicas,
    workloadClass,
    durationS: defaultTwinDurationS,
    durationSource: 'default',
  }
}

/** Tokens over the tokens/s the performance model plans on the job's first matching pool. */
function modelDuration(
  body: JobBody,
  model: string,
  tokens: number,
  replicas: number,
  cluster: Cluster,
): number {
  const asked =
    'family' in body.chip ? [body.chip.family] : 'anyOf' in body.chip ? body.chip.anyOf : ['any']
  const pool =
    cluster.pools.find(
      (p) => !p.spare && (asked.includes('any') || asked.includes(p.accelerator.family)),
    ) ?? cluster.pools[0]
  if (pool === undefined) {
    throw new ZhisuanError('invalid-input', 'the cluster has no pools')
  }
  let shape
  try {
    shape = modelPreset(model)
  } catch (cause) {
    throw new ZhisuanError('invalid-input', `/twin/model: ${(cause as Error).message}`, { cause })
  }
  const net = clusterJobNetwork(cluster, pool, {
    lossRate: 0,
    retransmission: 'go-back-n',
    placement: 'packed',
  })
  const gpus = replicas * body.acceleratorsPerReplica
  const misfit = (why: string, cause?: unknown) =>
    new ZhisuanError('invalid-input', `/twin/model: ${model} ${why}`, {
      issues: [{ path: '/twin/model', message: `${model} ${why}` }],
      ...(cause === undefined ? {} : { cause }),
    })
  let best
  try {
    ;[best] = searchParallelism(shape, chipOf(pool.accelerator), net, { gpus }, modernStack, 1)
  } catch (cause) {
    // the search names what rules each layout out (memory, divisibility): pass that on
    throw misfit(`on ${gpus} ${pool.accelerator.family}: ${(cause as Error).message}`, cause)
  }
  if (best === undefined) {
    throw misfit(`does not fit on ${gpus} ${pool.accelerator.family}`)
  }
  return tokens / best.tokensPerSecond
}

/** The scheduler's view of a stored job. */
export function schedulerSpec(
  id: string,
  tenant: string,
  spec: StoredSpec,
  submittedAt: number,
  clusterFamilies: readonly string[],
): JobSpec {
  const b = spec.body
  const chips: ChipRequirement =
    'scu' in b.chip
      ? { kind: 'scu', units: b.chip.scu }
      : 'anyOf' in b.chip
        ? {
            kind: 'families',
            // "any" in the list stands for every family of the cluster, in its place
            families: [
              ...new Set(b.chip.anyOf.flatMap((f) => (f === 'any' ? clusterFamilies : [f]))),
            ],
            ordered: b.chip.ordered ?? false,
          }
        : b.chip.family === 'any'
          ? { kind: 'families', families: clusterFamilies, ordered: false }
          : { kind: 'family', family: b.chip.family }
  return {
    id,
    tenant,
    queue: b.queue ?? 'default',
    priority: b.priority ?? 0,
    replicas: spec.replicas,
    acceleratorsPerReplica: b.acceleratorsPerReplica,
    chips,
    workloadClass: spec.workloadClass,
    archs: b.archs ?? ['x86_64', 'aarch64'],
    ...(b.topology === undefined ? {} : { topology: b.topology }),
    ...(b.runtimeLimitS === undefined ? {} : { runtimeLimitS: b.runtimeLimitS }),
    submittedAt,
  }
}
