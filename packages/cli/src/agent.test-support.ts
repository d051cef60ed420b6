import { defaultCatalog } from '@zhisuan/domain'
import { Agent, defaultReader, type AgentOptions } from '@zhisuan/agent'
import { callApi } from './e2e.test-support.js'

/**
 * Issues `node` a node token from the control plane at `url` (with the admin token `admin`) and
 * starts the node's agent against it: a report every 200 ms, the default reader and catalog, no
 * log, and `options` (its command runner at least) over those. The caller stops it.
 */
export async function startAgent(
  url: string,
  admin: string,
  node: string,
  options: Pick<AgentOptions, 'runner'> & Partial<AgentOptions>,
): Promise<Agent> {
  const issued = await callApi(url, admin, 'POST', '/api/v1/tokens', { tenant: node, role: 'node' })
  const agent = new Agent({
    server: url,
    token: issued.body['token'] as string,
    node,
    intervalMs: 200,
    reader: defaultReader,
    catalog: defaultCatalog(),
    log: () => undefined,
    ...options,
  })
  agent.start()
  return agent
}
