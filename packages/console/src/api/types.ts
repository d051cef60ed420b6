import type { paths } from './schema.generated'

type Ok<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } }
}
  ? T
  : paths[P][M] extends { responses: { 201: { content: { 'application/json': infer T } } } }
    ? T
    : never

export type Job = Ok<'/api/v1/jobs/{id}', 'get'>
export type JobState = Job['state']
export type JobBody = paths['/api/v1/jobs']['post']['requestBody']['content']['application/json']
export type JobEvent = Ok<'/api/v1/jobs/{id}/events', 'get'>['items'][number]
export type Overview = Ok<'/api/v1/cluster/overview', 'get'>
export type Topology = Ok<'/api/v1/cluster/topology', 'get'>
export type TopologyNode = Topology['nodes'][number]
export type QuotaUsage = Ok<'/api/v1/quota-usage', 'get'>['items'][number]
export type NodeView = Ok<'/api/v1/nodes', 'get'>['items'][number]
export type Whoami = Ok<'/api/v1/whoami', 'get'>

export type Summary = Ok<'/api/v1/cluster/summary', 'get'>

export const jobStates: readonly JobState[] = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]

export type Service = Ok<'/api/v1/services/{name}', 'get'>
export type ServiceSample = Ok<'/api/v1/services/{name}/samples', 'get'>['items'][number]

export type FabricLeaf = Ok<'/api/v1/fabric', 'get'>['items'][number]
export type LeafState = FabricLeaf['state']
