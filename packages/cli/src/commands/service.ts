import type { Command } from 'commander'
import { formatFixed } from '../numbers.js'
import type { Io } from '../output.js'
import { intOption, numberOption } from '../options.js'
import { table } from '../table.js'
import { api, readJobFile, warn, withClient, type ClientFlags } from './client.js'

/** A service as `GET /api/v1/services/:name` answers. */
interface ServiceView {
  name: string
  tenant: string
  spec: {
    model: string
    precision?: string
    minReplicas: number
    maxReplicas: number
    slo: { ttftP99S: number; tpotP99S: number }
  }
  family: string
  tp: number
  capacityRps: number
  desiredReplicas: number
  loadRps: number
  replicas: { id: string; state: string }[]
  warnings?: string[]
}

const running = (s: ServiceView) => s.replicas.filter((r) => r.state === 'running').length

function describe(s: ServiceView): string {
  return [
    `${s.name} (${s.tenant}): ${s.spec.model} ${s.spec.precision ?? 'bf16'} on ${s.family}, replicas of TP ${s.tp}`,
    `replicas     ${running(s)} running of ${s.desiredReplicas} wanted (${s.spec.minReplicas}..${s.spec.maxReplicas})`,
    `load         ${formatFixed(s.loadRps, 2)} requests/s reported; one replica carries ${formatFixed(s.capacityRps, 2)} within TTFT p99 ${s.spec.slo.ttftP99S} s, TPOT p99 ${s.spec.slo.tpotP99S * 1000} ms`,
    ...s.replicas.map((r) => `  ${r.id} ${r.state}`),
  ].join('\n')
}

/** Prints one service (or its JSON) and the API's warnings. */
function show(io: Io, flags: ClientFlags, s: ServiceView): void {
  if (flags.json === true) {
    io.out(JSON.stringify(s, null, 2))
    return
  }
  warn(io, s.warnings)
  io.out(describe(s))
}

/** Registers `zhisuan service create|list|describe|scale|load|delete`. */
export function registerService(program: Command, io: Io): void {
  const service = program
    .command('service')
    .description(
      'model services on the control plane: replicas sized by the serving model, scaled by load',
    )
  withClient(
    service
      .command('create <file>')
      .description(
        'create services from a YAML/JSON file: one body of POST /api/v1/services, or a list',
      ),
  ).action(async (file: string, flags: ClientFlags) => {
    const parsed = await readJobFile(file)
    const created: ServiceView[] = []
    for (const body of Array.isArray(parsed) ? parsed : [parsed]) {
      try {
        created.push((await api(flags, 'POST', '/api/v1/services', body)) as ServiceView)
      } catch (error) {
        // say which were made before the one refused
        for (const s of created) {
          io.err(`created ${s.name}`)
        }
        throw error
      }
    }
    if (flags.json === true) {
      io.out(JSON.stringify(Array.isArray(parsed) ? created : created[0], null, 2))
      return
    }
    for (const s of created) {
      show(io, flags, s)
    }
  })
  withClient(
    service.command('list').description('list services (yours; an admin sees every tenant)'),
  ).action(async (flags: ClientFlags) => {
    const { services } = (await api(flags, 'GET', '/api/v1/services')) as {
      services: ServiceView[]
    }
    if (flags.json === true) {
      io.out(JSON.stringify(services, null, 2))
      return
    }
    io.out(
      table(
        ['service', 'tenant', 'model', 'chip', 'replicas', 'load (req/s)', 'capacity per replica'],
        services.map((s) => [
          s.name,
          s.tenant,
          s.spec.model,
          `${s.tp} × ${s.family}`,
          `${running(s)} / ${s.desiredReplicas}`,
          formatFixed(s.loadRps, 2),
          formatFixed(s.capacityRps, 2),
        ]),
      ),
    )
  })
  withClient(service.command('describe <name>').description('one service and its replicas')).action(
    async (name: string, flags: ClientFlags) => {
      show(
        io,
        flags,
        (await api(flags, 'GET', `/api/v1/services/${encodeURIComponent(name)}`)) as ServiceView,
      )
    },
  )
  withClient(
    service
      .command('scale <name> [replicas]')
      .description('set a service’s replicas now, or its bounds')
      .option('--min <n>', 'fewest replicas the autoscaler keeps')
      .option('--max <n>', 'most replicas the autoscaler adds'),
  ).action(
    async (
      name: string,
      replicas: string | undefined,
      flags: ClientFlags & { min?: string; max?: string },
    ) => {
      const body = {
        ...(replicas === undefined ? {} : { replicas: intOption('replicas', replicas, 0) }),
        ...(flags.min === undefined ? {} : { minReplicas: intOption('--min', flags.min, 0) }),
        ...(flags.max === undefined ? {} : { maxReplicas: intOption('--max', flags.max, 1) }),
      }
      show(
        io,
        flags,
        (await api(
          flags,
          'PATCH',
          `/api/v1/services/${encodeURIComponent(name)}`,
          body,
        )) as ServiceView,
      )
    },
  )
  withClient(
    service
      .command('load <name> <requestsPerS>')
      .description(
        'report the load a service sees (what its gateway does); the autoscaler answers',
      ),
  ).action(async (name: string, rate: string, flags: ClientFlags) => {
    const requestsPerS = numberOption('requestsPerS', rate, 0)
    show(
      io,
      flags,
      (await api(flags, 'POST', `/api/v1/services/${encodeURIComponent(name)}/load`, {
        requestsPerS,
      })) as ServiceView,
    )
  })
  withClient(
    service
      .command('delete <name>')
      .description('delete a service; its accelerators go back to the queue'),
  ).action(async (name: string, flags: ClientFlags) => {
    show(
      io,
      flags,
      (await api(flags, 'DELETE', `/api/v1/services/${encodeURIComponent(name)}`)) as ServiceView,
    )
  })
}
