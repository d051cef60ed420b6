import { ZhisuanError } from '@zhisuan/domain'

/** The control plane a long-running node command reports to: its flags, else the environment. */
export function serverAndToken(flags: { server?: string; token?: string }): {
  server: string
  token: string
} {
  const server = flags.server ?? process.env['ZHISUAN_SERVER']
  const token = flags.token ?? process.env['ZHISUAN_TOKEN']
  if (server === undefined || token === undefined) {
    throw new ZhisuanError(
      'invalid-input',
      'give --server and --token (or ZHISUAN_SERVER and ZHISUAN_TOKEN)',
    )
  }
  return { server, token }
}

/** Resolves once SIGINT or SIGTERM came and `stop` has finished. */
export function untilSignalled(stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = () => {
      void stop().then(resolve)
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}
