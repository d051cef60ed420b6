import { createRequire } from 'node:module'
import { Command, CommanderError } from 'commander'
import { registerAccept, registerAgent } from './commands/agent.js'
import { registerBench } from './commands/bench.js'
import { registerCatalog } from './commands/catalog.js'
import { registerCheckpoint } from './commands/checkpoint.js'
import { registerClient } from './commands/client.js'
import { registerFabric } from './commands/fabric.js'
import { registerPlan } from './commands/plan.js'
import { registerService } from './commands/service.js'
import { registerSim } from './commands/sim.js'
import { registerTopology } from './commands/topology.js'
import { registerUp } from './commands/up.js'
import { processIo, reportError, type Io } from './output.js'

const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

/** The `zhisuan` program with every command registered. */
export function buildProgram(io: Io): Command {
  const program = new Command('zhisuan')
    .description(
      'Zhisuan (智算): an open control plane and digital twin for AI accelerator clusters',
    )
    .version(version, '-V, --version')
    .showHelpAfterError()
    // options belong to the command they follow (`plan` and `plan serve` share names)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        io.out(s)
      },
      writeErr: (s) => {
        io.err(s)
      },
    })
  registerCatalog(program, io)
  registerTopology(program, io)
  registerPlan(program, io)
  registerBench(program, io)
  registerSim(program, io)
  registerUp(program, io)
  registerClient(program, io)
  registerService(program, io)
  registerFabric(program, io)
  registerAgent(program, io)
  registerAccept(program, io)
  registerCheckpoint(program, io)
  for (const command of program.commands) {
    command.exitOverride()
  }
  return program
}

/**
 * Runs the CLI and returns the exit code: 0 success, 1 bad input or a failed check,
 * 2 a usage error, 70 an internal error.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const json = argv.includes('--json')
  try {
    await buildProgram(io).parseAsync([...argv])
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      if (json && error.exitCode !== 0) {
        io.out(
          JSON.stringify({ error: { code: 'usage', message: error.message, issues: [] } }, null, 2),
        )
      }
      return error.exitCode === 0 ? 0 : 2
    }
    return reportError(io, error, json)
  }
}
