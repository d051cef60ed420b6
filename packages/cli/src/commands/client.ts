import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import { ZhisuanError, type ErrorCode } from '@zhisuan/domain'
import { numberOption } from '../options.js'
import type { Io } from '../output.js'
import { jobsTable, nodesTable, type JobView, type NodeView } from './api-tables.js'

/** How a command reaches the API: `--server`/`ZHISUAN_SERVER`, `--token`/`ZHISUAN_TOKEN`. */
export interface ClientFlags {
  server?: string
  token?: string
  json?: boolean
}

const codes: Record<number, ErrorCode> = {
  400: 'invalid-input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  422: 'invalid-config',
  429: 'too-many-requests',
  503: 'unavailable',
}

/** Where the client commands find the control plane when neither --server nor ZHISUAN_SERVER says. */
const defaultServer = 'http://127.0.0.1:7070'

/** The token: the flag, else ZHISUAN_TOKEN, else the admin token `zhisuan up` wrote here. */
async function tokenOf(flags: ClientFlags): Promise<string> {
  const token = flags.token ?? process.env['ZHISUAN_TOKEN']
  if (token !== undefined && token !== '') {
    return token
  }
  try {
    return (await readFile('.zhisuan/admin-token', 'utf8')).trim()
  } catch {
    throw new ZhisuanError(
      'unauthorized',
      'no token: give --token, set ZHISUAN_TOKEN, or run this where `zhisuan up` wrote .zhisuan/admin-token',
    )
  }
}

/**
 * Calls the API and returns the parsed answer.
 * @throws ZhisuanError with the server's code and message, or `unavailable` when it cannot be reached.
 */
export async function api(
  flags: ClientFlags,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> {
  // an empty ZHISUAN_SERVER counts as unset, as an empty ZHISUAN_TOKEN does
  const fromEnv = process.env['ZHISUAN_SERVER']
  const server = (
    flags.server ??
    (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv) ??
    defaultServer
  ).replace(/\/$/, '')
  const token = await tokenOf(flags)
  let response: Response
  try {
    response = await fetch(`${server}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (cause) {
    throw new ZhisuanError(
      'unavailable',
      `cannot reach the control plane at ${server}: ${(cause as Error).message} (is \`zhisuan up\` running?)`,
      { cause },
    )
  }
  const text = await response.text()
  const parsed: unknown = text === '' ? undefined : JSON.parse(text)
  if (!response.ok) {
    const error = (
      parsed as { error?: { message?: string; details?: { path: string; message: string }[] } }
    ).error
    throw new ZhisuanError(
      codes[response.status] ?? (response.status >= 500 ? 'internal' : 'invalid-input'),
      `${response.status}: ${error?.message ?? text}`,
      { issues: error?.details ?? [] },
    )
  }
  return parsed
}

interface TenantFlags {
  guaranteed?: string
  maxPending?: string
  submitsPerS?: string
  submitBurst?: string
}

/** A whole-number flag ≥ 0 (a count), or undefined when not given. */
function wholeOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined
  }
  const n = Number(text)
  if (text.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new ZhisuanError('invalid-input', `${flag}: expected a whole number ≥ 0, got "${text}"`)
  }
  return n
}

const optional = <K extends string>(key: K, n: number | undefined): { [k in K]?: number } =>
  (n === undefined ? {} : { [key]: n }) as { [k in K]?: number }

export function withClient(command: Command): Command {
  return command
    .option(
      '--server <url>',
      'control plane URL (env ZHISUAN_SERVER; default http://127.0.0.1:7070)',
    )
    .option('--token <token>', 'bearer token (env ZHISUAN_TOKEN; default .zhisuan/admin-token)')
    .option('--json', 'print the API answer as JSON')
}

export async function readJobFile(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ZhisuanError(
      'not-found',
      `cannot read job file ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    )
  }
  try {
    return parseYaml(text) as unknown
  } catch (cause) {
    throw new ZhisuanError(
      'invalid-input',
      `${path}: not YAML or JSON: ${(cause as Error).message}`,
      {
        cause,
      },
    )
  }
}

/** The API's warnings, one line each on stderr. */
export function warn(io: Io, warnings: readonly string[] | undefined): void {
  for (const w of warnings ?? []) {
    io.err(`warning: ${w}`)
  }
}

export function registerClient(program: Command, io: Io): void {
  withClient(
    program
      .command('submit <file>')
      .description('submit a job (YAML or JSON body of POST /api/v1/jobs)')
      .option('--idempotency-key <key>', 'makes a retried submission return the same job')
      .option(
        '--admit-anyway',
        'accept a job that cannot run on the cluster as it is, for a cluster that will grow (admin)',
      ),
  ).action(
    async (
      file: string,
      flags: ClientFlags & { idempotencyKey?: string; admitAnyway?: boolean },
    ) => {
      const body = await readJobFile(file)
      const job = (await api(
        flags,
        'POST',
        `/api/v1/jobs${flags.admitAnyway === true ? '?admit=anyway' : ''}`,
        body,
        flags.idempotencyKey === undefined ? {} : { 'idempotency-key': flags.idempotencyKey },
      )) as JobView & { warnings?: string[] }
      if (flags.json === true) {
        io.out(JSON.stringify(job, null, 2))
        return
      }
      warn(io, job.warnings)
      io.out(`${job.id} ${job.state}: ${job.message}`)
    },
  )

  withClient(
    program
      .command('jobs')
      .description('list jobs (yours; an admin sees every tenant)')
      .option('--state <state>', 'pending, running, succeeded, failed or cancelled')
      .option('--tenant <name>', 'one tenant (admin)')
      .option('--wide', 'every column (tenant, family, attempt, nodes) and whole messages'),
  ).action(async (flags: ClientFlags & { state?: string; tenant?: string; wide?: boolean }) => {
    const items: JobView[] = []
    let after: string | null = null
    do {
      const q = new URLSearchParams({ limit: '1000' })
      if (flags.state !== undefined) {
        q.set('state', flags.state)
      }
      if (flags.tenant !== undefined) {
        q.set('tenant', flags.tenant)
      }
      if (after !== null) {
        q.set('after', after)
      }
      const page = (await api(flags, 'GET', `/api/v1/jobs?${q.toString()}`)) as {
        items: JobView[]
        next: string | null
      }
      items.push(...page.items)
      after = page.next
    } while (after !== null)
    io.out(
      flags.json === true ? JSON.stringify(items, null, 2) : jobsTable(items, flags.wide === true),
    )
  })

  withClient(
    program.command('why <id>').description('why a job is pending (or what it is doing)'),
  ).action(async (id: string, flags: ClientFlags) => {
    const why = (await api(flags, 'GET', `/api/v1/jobs/${encodeURIComponent(id)}/why`)) as {
      state: string
      reason: { kind: string } | null
      message: string
    }
    io.out(
      flags.json === true
        ? JSON.stringify(why, null, 2)
        : `${id} is ${why.state}${why.reason === null ? '' : ` (${why.reason.kind})`}: ${why.message}`,
    )
  })

  withClient(program.command('cancel <id>').description('cancel a pending or running job')).action(
    async (id: string, flags: ClientFlags) => {
      const job = (await api(flags, 'DELETE', `/api/v1/jobs/${encodeURIComponent(id)}`)) as JobView
      io.out(flags.json === true ? JSON.stringify(job, null, 2) : `${job.id} ${job.state}`)
    },
  )

  withClient(
    program
      .command('nodes')
      .description('list nodes: health, drain state, jobs')
      .option('--state <state>', 'healthy, failed, drained, busy or idle')
      .option('--wide', 'whole job lists and reasons'),
  ).action(async (flags: ClientFlags & { state?: string; wide?: boolean }) => {
    const q = flags.state === undefined ? '' : `?state=${encodeURIComponent(flags.state)}`
    const { items } = (await api(flags, 'GET', `/api/v1/nodes${q}`)) as { items: NodeView[] }
    io.out(
      flags.json === true ? JSON.stringify(items, null, 2) : nodesTable(items, flags.wide === true),
    )
  })

  withClient(
    program
      .command('drain <node>')
      .description('drain a node (admin): no new work there; --evacuate moves its gangs now')
      .requiredOption('--reason <text>', 'why (recorded on the node and in the audit log)')
      .option(
        '--evacuate',
        'restart the gangs running there elsewhere, from their last checkpoint',
      ),
  ).action(async (node: string, flags: ClientFlags & { reason: string; evacuate?: boolean }) => {
    const view = (await api(flags, 'POST', `/api/v1/nodes/${encodeURIComponent(node)}/drain`, {
      reason: flags.reason,
      ...(flags.evacuate === true ? { evacuate: true } : {}),
    })) as { name: string; adminState: string }
    io.out(
      flags.json === true
        ? JSON.stringify(view, null, 2)
        : `${view.name} ${view.adminState}${flags.evacuate === true ? ' (its gangs move on the next pass)' : ''}`,
    )
  })

  withClient(
    program.command('resume <node>').description('return a drained node to service (admin)'),
  ).action(async (node: string, flags: ClientFlags) => {
    const view = (await api(flags, 'POST', `/api/v1/nodes/${encodeURIComponent(node)}/resume`)) as {
      name: string
      adminState: string
    }
    io.out(flags.json === true ? JSON.stringify(view, null, 2) : `${view.name} ${view.adminState}`)
  })

  withClient(
    program
      .command('tenant <name>')
      .description(
        'create a tenant (admin), optionally with a guaranteed llm-train quota and limits of its own',
      )
      .option('--guaranteed <scu>', 'guaranteed llm-train SCU')
      .option('--max-pending <n>', 'jobs waiting at once (default 10000); beyond: 429')
      .option('--submits-per-s <n>', 'submissions a second, sustained (default 100)')
      .option('--submit-burst <n>', 'submissions at once above that rate (default 1000)'),
  ).action(async (name: string, flags: ClientFlags & TenantFlags) => {
    const guaranteed = numberOption('--guaranteed', flags.guaranteed, 0)
    const limits = {
      ...optional('maxPendingJobs', wholeOption('--max-pending', flags.maxPending)),
      ...optional('submitsPerS', numberOption('--submits-per-s', flags.submitsPerS, 0)),
      ...optional('submitBurst', wholeOption('--submit-burst', flags.submitBurst)),
    }
    const tenant = (await api(flags, 'POST', '/api/v1/tenants', {
      name,
      ...(guaranteed === undefined ? {} : { quotas: { 'llm-train': { guaranteed } } }),
      ...(Object.keys(limits).length === 0 ? {} : { limits }),
    })) as { warnings?: string[] }
    if (flags.json === true) {
      io.out(JSON.stringify(tenant, null, 2))
      return
    }
    warn(io, tenant.warnings)
    io.out(`tenant ${name} created`)
  })

  withClient(
    program
      .command('token')
      .description('issue a token (admin); it is printed once')
      .requiredOption('--tenant <name>', 'the tenant it acts for')
      .option('--role <role>', 'admin, member or viewer', 'member'),
  ).action(async (flags: ClientFlags & { tenant: string; role: string }) => {
    const issued = (await api(flags, 'POST', '/api/v1/tokens', {
      tenant: flags.tenant,
      role: flags.role,
    })) as { token: string; id: string }
    io.out(flags.json === true ? JSON.stringify(issued, null, 2) : issued.token)
  })
}
