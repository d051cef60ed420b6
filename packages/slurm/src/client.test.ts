import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { SlurmRestClient, SlurmRestError } from './client.js'

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void

interface Fake {
  readonly url: string
  readonly seen: { method: string; url: string; headers: IncomingMessage['headers'] }[]
  close(): Promise<void>
}

const servers: Fake[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/** A stand-in slurmrestd on a free loopback port. */
async function fakeSlurmrestd(handler: Handler): Promise<Fake> {
  const seen: Fake['seen'] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
      handler(req, body, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const fake: Fake = {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
  servers.push(fake)
  return fake
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}
const meta = { plugin: { type: 'openapi/v0.0.38' }, Slurm: { release: '22.05.8' } }
const openapi = (version: string, api = 'v0.0.38') => ({
  openapi: '3.0.2',
  info: { title: 'Slurm Rest API', version },
  paths: { [`/slurm/${api}/job/submit`]: {}, [`/slurm/${api}/jobs`]: {} },
})
const options = (url: string) => ({ url, user: 'root', token: 'tok', retryDelayMs: 1 })

describe('the slurmrestd client', () => {
  it('checks the API version at start-up and sends both JWT headers', async () => {
    const fake = await fakeSlurmrestd((req, _body, res) => {
      json(res, 200, openapi('0.0.38'))
    })
    const client = await SlurmRestClient.connect(options(fake.url))
    expect(client.baseUrl).toBe(fake.url)
    expect(fake.seen[0]).toMatchObject({ method: 'GET', url: '/openapi/v3' })
    expect(fake.seen[0]?.headers['x-slurm-user-name']).toBe('root')
    expect(fake.seen[0]?.headers['x-slurm-user-token']).toBe('tok')
    expect(fake.seen[0]?.headers.authorization).toBeUndefined()
  })

  it('refuses another API version with an unavailable error naming the version found', async () => {
    const fake = await fakeSlurmrestd((_req, _body, res) => {
      json(res, 200, openapi('0.0.40', 'v0.0.40'))
    })
    const failure = SlurmRestClient.connect(options(fake.url))
    await expect(failure).rejects.toMatchObject({ code: 'unavailable' })
    await expect(failure).rejects.toThrow(/serves OpenAPI version 0\.0\.40 \(paths for v0\.0\.40\)/)
    await expect(failure).rejects.toThrow(/needs v0\.0\.38/)
  })

  it('answers undefined for 304 (nothing changed since update_time)', async () => {
    const fake = await fakeSlurmrestd((req, _body, res) => {
      if (req.url?.includes('update_time') === true) {
        res.writeHead(304)
        res.end()
        return
      }
      json(res, 200, { meta, errors: [], jobs: [{ job_id: 7, job_state: 'RUNNING' }] })
    })
    const client = new SlurmRestClient(options(fake.url))
    expect(await client.jobs(1795850000.7)).toBeUndefined()
    expect(fake.seen[0]?.url).toBe('/slurm/v0.0.38/jobs?update_time=1795850000')
    expect(await client.jobs()).toEqual([{ job_id: 7, job_state: 'RUNNING' }])
  })

  it("names the endpoint and slurmrestd's message, in both error shapes", async () => {
    const fake = await fakeSlurmrestd((req, _body, res) => {
      if (req.method === 'POST') {
        json(res, 500, {
          meta,
          errors: [{ error_code: 2018, error: 'Invalid node name specified' }],
        })
        return
      }
      json(res, 500, {
        meta,
        errors: [
          {
            description: 'Unable to find JobId=999999',
            error_number: 2017,
            error: 'Invalid job id specified',
            source: 'slurm_load_job',
          },
        ],
      })
    })
    const client = new SlurmRestClient(options(fake.url))
    const submit = client.submit({ script: '#!/bin/bash\n', job: { environment: { A: 'b' } } })
    await expect(submit).rejects.toBeInstanceOf(SlurmRestError)
    await expect(submit).rejects.toMatchObject({
      code: 'invalid-input',
      endpoint: 'POST /slurm/v0.0.38/job/submit',
      status: 500,
    })
    await expect(submit).rejects.toThrow(
      'slurmrestd POST /slurm/v0.0.38/job/submit: HTTP 500: Invalid node name specified (error 2018)',
    )
    expect(await client.job(999999)).toBeUndefined()
    // a refusal (ESLURM_*) is not retried
    expect(fake.seen.filter((s) => s.url === '/slurm/v0.0.38/job/999999')).toHaveLength(1)
    await expect(client.cancel(999999)).resolves.toBeUndefined()
  })

  it('fails a submit Slurm took with errors, naming the job it made', async () => {
    // slurmrestd 22.05 for a time limit past the partition's MaxTime (EnforcePartLimits=NO)
    const fake = await fakeSlurmrestd((_req, _body, res) => {
      json(res, 200, {
        meta,
        errors: [
          { error_code: 2015, error: 'Requested partition configuration not available now' },
        ],
        job_id: 16,
        step_id: 'BATCH',
        job_submit_user_msg: '',
      })
    })
    const client = new SlurmRestClient(options(fake.url))
    const submit = client.submit({ script: '#!/bin/bash\n', job: { environment: { A: 'b' } } })
    await expect(submit).rejects.toMatchObject({
      code: 'invalid-input',
      status: 200,
      acceptedJobId: 16,
      endpoint: 'POST /slurm/v0.0.38/job/submit',
    })
    await expect(submit).rejects.toThrow(
      'slurmrestd POST /slurm/v0.0.38/job/submit: HTTP 200: Requested partition configuration ' +
        'not available now (error 2015) (Slurm made job 16, which cannot run as asked)',
    )
    expect(fake.seen).toHaveLength(1)
  })

  it('retries reads on 5xx with backoff, and then succeeds', async () => {
    let calls = 0
    const fake = await fakeSlurmrestd((_req, _body, res) => {
      calls++
      if (calls < 3) {
        json(res, 500, { meta, errors: [{ error: 'Unspecified error', errno: -1 }] })
        return
      }
      json(res, 200, { meta, errors: [], nodes: [{ name: 'gpu-001', state: 'idle' }] })
    })
    const client = new SlurmRestClient(options(fake.url))
    expect(await client.nodes()).toEqual([{ name: 'gpu-001', state: 'idle' }])
    expect(calls).toBe(3)
  })

  it('gives up after the retries with the last error', async () => {
    const fake = await fakeSlurmrestd((_req, _body, res) => {
      json(res, 500, {
        meta,
        errors: [
          {
            error: 'Unspecified error',
            description: 'slurmctld config is unable to load',
            source: 'slurm_load_ctl_conf',
          },
        ],
      })
    })
    const client = new SlurmRestClient({ ...options(fake.url), retries: 2 })
    const nodes = client.nodes()
    await expect(nodes).rejects.toMatchObject({ code: 'unavailable', status: 500 })
    await expect(nodes).rejects.toThrow(/slurmctld config is unable to load.*check the JWT/)
    expect(fake.seen).toHaveLength(3)
  })

  it('never retries a submit that reached the server', async () => {
    const fake = await fakeSlurmrestd((_req, _body, res) => {
      json(res, 503, { meta, errors: [{ error: 'busy' }] })
    })
    const client = new SlurmRestClient(options(fake.url))
    await expect(
      client.submit({ script: '#!/bin/bash\n', job: { environment: { A: 'b' } } }),
    ).rejects.toMatchObject({ code: 'unavailable', status: 503 })
    expect(fake.seen).toHaveLength(1)
  })

  it('sends the submission as JSON and returns the job id', async () => {
    let sent: unknown
    const fake = await fakeSlurmrestd((req, body, res) => {
      sent = { type: req.headers['content-type'], body: JSON.parse(body) as unknown }
      json(res, 200, { meta, errors: [], job_id: 42, step_id: 'BATCH' })
    })
    const client = new SlurmRestClient(options(fake.url))
    const submission = {
      script: '#!/bin/bash\nsleep 1\n',
      job: { name: 'x', nodes: 2, nodelist: 'gpu-[001-002]', environment: { PATH: '/bin' } },
    }
    expect(await client.submit(submission)).toBe(42)
    expect(sent).toEqual({ type: 'application/json', body: submission })
  })

  it('maps a refused login to unauthorized', async () => {
    const fake = await fakeSlurmrestd((_req, _body, res) => {
      res.writeHead(401, { 'Content-Type': 'text/plain' })
      res.end('Authentication failure')
    })
    const client = new SlurmRestClient(options(fake.url))
    await expect(client.jobs()).rejects.toMatchObject({ code: 'unauthorized', status: 401 })
    await expect(client.jobs()).rejects.toThrow(/HTTP 401: Authentication failure/)
  })

  it('reports an unreachable slurmrestd as unavailable after retrying', async () => {
    const fake = await fakeSlurmrestd((_req, _body, res) => {
      json(res, 200, {})
    })
    const url = fake.url
    await fake.close()
    const client = new SlurmRestClient({ ...options(url), retries: 2 })
    const jobs = client.jobs()
    await expect(jobs).rejects.toMatchObject({ code: 'unavailable', status: 0 })
    await expect(jobs).rejects.toThrow(
      new RegExp(`slurmrestd at ${url} is unreachable \\(GET /slurm/v0.0.38/jobs, 3 tries\\)`),
    )
    await expect(SlurmRestClient.connect(options(url))).rejects.toMatchObject({
      code: 'unavailable',
    })
  })

  it('times out a request that gets no answer', async () => {
    const fake = await fakeSlurmrestd(() => {
      // never answers
    })
    const client = new SlurmRestClient({ ...options(fake.url), timeoutMs: 100, retries: 1 })
    await expect(client.jobs()).rejects.toThrow(/no answer before the timeout/)
    expect(fake.seen).toHaveLength(2)
  })
})
