/**
 * The slurmrestd v0.0.38 shapes this package uses: the generated types
 * (`generated/slurmrestd.ts`, from the committed OpenAPI document) with the corrections the
 * real server needs, each one measured against Slurm 22.05.8 (see openapi/README.md and the
 * dev-cluster notes). Only the corrections are written by hand.
 */
import type { components } from './generated/slurmrestd.js'

type Schemas = components['schemas']

/** The API version this package speaks; the only one Slurm 22.05 and this client share. */
export const slurmApiVersion = '0.0.38'

/**
 * An answer object: the document types most fields as plain strings and numbers, but the server
 * sends `null` for "not set" (e.g. `owner`, `reason_set_by_user`, `tres_used` of a node) and
 * omits fields freely, so every field may be missing or null.
 */
export type Answer<T> = { readonly [K in keyof T]?: T[K] | null }

/** A job as `GET /jobs` and `GET /job/{id}` report it. */
export type SlurmJob = Answer<Schemas['v0.0.38_job_response_properties']>

/** A node as `GET /nodes` reports it. `state` is lowercase; a drained node is `idle` + `DRAIN`. */
export type SlurmNode = Answer<Schemas['v0.0.38_node']>

/**
 * One entry of an answer's `errors`. The document lists `error` and `error_number`; the server
 * also sends `{error, errno}` (e.g. `GET /nodes?update_time`), `{error_code, error}` (a rejected
 * submit) and `{error, error_number, description, source}` (most calls).
 */
export type SlurmError = Answer<Schemas['v0.0.38_error']> & {
  readonly error_code?: number | null
  readonly errno?: number | null
  readonly description?: string | null
  readonly source?: string | null
}

/** What every JSON answer carries. */
export interface SlurmAnswerMeta {
  readonly meta?: Answer<Schemas['v0.0.38_meta']> | null
  readonly errors?: readonly SlurmError[] | null
}

export type SlurmJobsAnswer = SlurmAnswerMeta & { readonly jobs?: readonly SlurmJob[] | null }
export type SlurmNodesAnswer = SlurmAnswerMeta & { readonly nodes?: readonly SlurmNode[] | null }
export type SlurmSubmitAnswer = SlurmAnswerMeta &
  Omit<Answer<Schemas['v0.0.38_job_submission_response']>, 'errors' | 'meta'>
export type SlurmPingAnswer = SlurmAnswerMeta &
  Omit<Answer<Schemas['v0.0.38_pings']>, 'errors' | 'meta'>

/**
 * Job properties for `POST /job/submit`, as the server takes them:
 * - `argv` is dropped: it crashes slurmrestd 22.05.8 (double free), so it can never be sent;
 * - `requeue` is dropped: `requeue: false` is accepted and silently ignored (the job keeps
 *   Requeue=1); `no_requeue: true`, which the document lacks, is what works;
 * - `nodes` is `integer[]` (min, max) in the document; the server also takes `2` and `"1-2"`;
 * - `nodelist` (sbatch `-w`), missing from the document, places the job on chosen nodes
 *   (`required_nodes` is refused as a disabled key; `tres_per_node` is an unknown key);
 * - `environment` is an untyped object in the document; it is required and maps names to
 *   strings. Unknown keys get HTTP 400, so only keys known to work belong here.
 */
export type SlurmJobProperties = Omit<
  Schemas['v0.0.38_job_properties'],
  'argv' | 'requeue' | 'nodes' | 'environment'
> & {
  readonly nodes?: number | string | readonly [number, number]
  readonly nodelist?: string
  readonly no_requeue?: boolean
  readonly environment: Readonly<Record<string, string>>
}

/** The submit body; heterogeneous jobs (`jobs`) are not used. */
export interface SlurmJobSubmission {
  readonly script: string
  readonly job: SlurmJobProperties
}

/** The part of `GET /openapi/v3` the version check reads. */
export interface SlurmOpenApiDocument {
  readonly openapi?: string
  readonly info?: { readonly version?: string; readonly title?: string }
  readonly paths?: Readonly<Record<string, unknown>>
}
