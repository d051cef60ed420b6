import { sql, type SelectQueryBuilder } from 'kysely'
import type { Dialect } from './migrations.js'
import type { JobsQuery } from './records.js'
import type { Database } from './schema.js'

/** A jobs query narrowed by a {@link JobsQuery}'s filters (its cursor, offset and limit aside). */
export function filterJobs<Q extends SelectQueryBuilder<Database, 'jobs', object>>(
  query: Q,
  q: Omit<JobsQuery, 'after' | 'offset' | 'limit'>,
  dialect: Dialect,
): Q {
  let out = query
  if (q.tenant !== undefined) {
    out = out.where('tenant', '=', q.tenant) as Q
  }
  if (q.states !== undefined) {
    out = out.where('state', 'in', [...q.states]) as Q
  }
  if (q.queue !== undefined) {
    out = out.where('queue', '=', q.queue) as Q
  }
  if (q.family !== undefined) {
    out = out.where(familyMatch(dialect, q.family.toLowerCase())) as Q
  }
  return out
}

/**
 * Placed on the family, or unplaced and asking for it (`want` in lower case); the spec is JSON
 * text, read with each dialect's JSON functions.
 */
function familyMatch(dialect: Dialect, want: string) {
  const asked =
    dialect === 'postgres'
      ? sql<boolean>`(spec::jsonb #> '{body,chip,scu}') is not null
          or lower(spec::jsonb #>> '{body,chip,family}') in (${want}, 'any')
          or exists (select 1 from jsonb_array_elements_text(
            case when jsonb_typeof(spec::jsonb #> '{body,chip,anyOf}') = 'array'
              then spec::jsonb #> '{body,chip,anyOf}' else '[]'::jsonb end) as f(v)
            where lower(f.v) = ${want})`
      : sql<boolean>`json_type(spec, '$.body.chip.scu') is not null
          or lower(json_extract(spec, '$.body.chip.family')) in (${want}, 'any')
          or exists (select 1 from json_each(spec, '$.body.chip.anyOf') where lower(value) = ${want})`
  return sql<boolean>`(lower(family) = ${want} or (family is null and (${asked})))`
}
