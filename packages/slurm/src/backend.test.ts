import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultCatalog, parseClusterFile, type PlacedJob } from '@zhisuan/domain'
import { describe, expect, it } from 'vitest'
import type { SlurmJob, SlurmNode } from './api.js'
import { SlurmBackend } from './backend.js'
import { nodeHealth } from './node-health.js'
import { isLive, jobOutcome, parseJobComment } from './slurm-jobs.js'
import { buildSubmission, shellQuote } from './submission.js'
import type { ExecFn } from './scontrol.js'

const placed = (over: Partial<PlacedJob> = {}): PlacedJob => ({
  jobId: 'j-1',
  attempt: 1,
  tenant: 'acme',
  nodes: ['gpu-004', 'gpu-005'],
  acceleratorsPerReplica: 8,
  durationS: 100,
  doneS: 40,
  ...over,
})

describe('request building', () => {
  it('places one Slurm job on exactly the chosen nodes with the GPUs per node', () => {
    const { script, job } = buildSubmission(placed(), { partition: 'gpu', workDir: '/tmp/w/' })
    expect(job).toEqual({
      name: 'zhisuan-j-1-1',
      comment: 'zhisuan-job:j-1:1',
      partition: 'gpu',
      nodes: 2,
      nodelist: 'gpu-[004-005]',
      tasks: 2,
      tasks_per_node: 1,
      gres: 'gpu:8',
      time_limit: 12,
      no_requeue: true,
      current_working_directory: '/tmp/w/',
      standard_output: '/tmp/w/%x-%j.out',
      environment: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        ZHISUAN_JOB_ID: 'j-1',
        ZHISUAN_ATTEMPT: '1',
        ZHISUAN_TENANT: 'acme',
        ZHISUAN_NODES: 'gpu-004,gpu-005',
        ZHISUAN_ACCELERATORS_PER_REPLICA: '8',
        ZHISUAN_DONE_S: '40',
        WORLD_SIZE: '2',
        MASTER_ADDR: 'gpu-004',
        MASTER_PORT: '29500',
      },
    })
    // no command: sleep for the remaining duration, one task per replica
    expect(script).toContain(
      'exec srun --kill-on-bad-exit=1 --ntasks=2 --ntasks-per-node=1 bash -c ',
    )
    expect(script.trimEnd().endsWith(' zhisuan-task sleep 60')).toBe(true)
    expect(script.startsWith('#!/bin/bash\n')).toBe(true)
    expect(Object.keys(job)).not.toContain('argv')
    expect(Object.keys(job)).not.toContain('requeue')
  })

  it('passes the command, the checkpoint and the master address, never the token', () => {
    const { script, job } = buildSubmission(
      placed({
        attempt: 3,
        command: ['python', 'train.py', '--name', "it's"],
        resumeFrom: { checkpointId: 'ck-9', step: 1200, locations: ['s3://a', 's3://b'] },
        image: 'registry/train:1',
      }),
      {
        partition: 'gpu',
        workDir: '/w',
        masterAddress: '127.0.0.1',
        masterPort: 1234,
        environment: { SLURM_JWT: 'secret', HF_HOME: '/cache' },
        timeLimitMinutes: () => 7.2,
      },
    )
    expect(script).toContain(` zhisuan-task python train.py --name 'it'\\''s'\n`)
    expect(job.time_limit).toBe(8)
    expect(job.environment).toMatchObject({
      ZHISUAN_ATTEMPT: '3',
      ZHISUAN_CHECKPOINT_ID: 'ck-9',
      ZHISUAN_CHECKPOINT_STEP: '1200',
      ZHISUAN_CHECKPOINT_LOCATIONS: 's3://a,s3://b',
      ZHISUAN_IMAGE: 'registry/train:1',
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: '1234',
      HF_HOME: '/cache',
    })
    expect(job.environment).not.toHaveProperty('SLURM_JWT')
  })

  it('gives a node that holds several replicas their GPUs and tasks', () => {
    const { job, script } = buildSubmission(
      placed({ nodes: ['gpu-001', 'gpu-001', 'gpu-002', 'gpu-002'], acceleratorsPerReplica: 4 }),
      { partition: 'gpu', workDir: '/w' },
    )
    expect(job).toMatchObject({ nodes: 2, tasks: 4, tasks_per_node: 2, gres: 'gpu:8' })
    expect(script).toContain('--ntasks=4 --ntasks-per-node=2')
  })

  it('refuses what Slurm cannot express', () => {
    const opts = { partition: 'gpu', workDir: '/w' }
    expect(() => buildSubmission(placed({ nodes: [] }), opts)).toThrow(/no nodes/)
    expect(() => buildSubmission(placed({ nodes: ['a', 'a', 'b'] }), opts)).toThrow(
      /same number of replicas/,
    )
    expect(() => buildSubmission(placed({ attempt: 0 }), opts)).toThrow(/attempt/)
    expect(() => buildSubmission(placed({ jobId: 'a b' }), opts)).toThrow(/white space/)
  })

  it('quotes words for bash', () => {
    expect(shellQuote('train.py')).toBe('train.py')
    expect(shellQuote('a b')).toBe("'a b'")
    expect(shellQuote('$HOME')).toBe("'$HOME'")
    expect(shellQuote('')).toBe("''")
  })
})

describe('state mapping', () => {
  it('reads the Zhisuan job and attempt from the comment', () => {
    expect(parseJobComment('zhisuan-job:j-1:2')).toEqual({ jobId: 'j-1', attempt: 2 })
    expect(parseJobComment('zhisuan-job:ns:j:1')).toEqual({ jobId: 'ns:j', attempt: 1 })
    expect(parseJobComment('zhisuan-job:j-1')).toBeUndefined()
    expect(parseJobComment('zhisuan-job::1')).toBeUndefined()
    expect(parseJobComment('cp-job-42')).toBeUndefined()
    expect(parseJobComment(null)).toBeUndefined()
    expect(parseJobComment('')).toBeUndefined()
  })

  it('tells live jobs from finished ones', () => {
    for (const s of ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED']) {
      expect(isLive({ job_state: s })).toBe(true)
    }
    for (const s of ['COMPLETED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'CANCELLED', 'OUT_OF_MEMORY']) {
      expect(isLive({ job_state: s })).toBe(false)
    }
  })

  it('maps how a job ended to ok and a message', () => {
    const base: SlurmJob = { job_id: 12, nodes: 'gpu-[004-005]', time_limit: 5 }
    expect(jobOutcome({ ...base, job_state: 'COMPLETED', exit_code: 0 })).toEqual({
      ok: true,
      message: 'completed',
    })
    expect(
      jobOutcome({ ...base, job_state: 'FAILED', exit_code: 768, state_reason: 'NonZeroExitCode' }),
    ).toEqual({
      ok: false,
      message: 'Slurm job 12 failed with exit code 3 on gpu-[004-005] (NonZeroExitCode)',
    })
    expect(jobOutcome({ ...base, job_state: 'FAILED', exit_code: 9 }).message).toMatch(/signal 9/)
    expect(jobOutcome({ ...base, job_state: 'NODE_FAIL', state_reason: 'NodeDown' })).toEqual({
      ok: false,
      message: 'Slurm job 12 ended by a node failure on gpu-[004-005] (NodeDown)',
    })
    expect(jobOutcome({ ...base, job_state: 'TIMEOUT' }).message).toMatch(/time limit of 5 min/)
    expect(jobOutcome({ ...base, job_state: 'CANCELLED' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/cancelled in Slurm, not by Zhisuan/) as unknown,
    })
    expect(jobOutcome({ ...base, job_state: 'PREEMPTED' }).ok).toBe(false)
  })

  it('maps node states and flags to health', () => {
    const node = (
      state: string,
      flags: string[] = [],
      more: Partial<SlurmNode> = {},
    ): SlurmNode => ({
      name: 'gpu-001',
      state,
      state_flags: flags,
      reason: '',
      ...more,
    })
    expect(nodeHealth(node('idle')).health).toBe('healthy')
    expect(nodeHealth(node('mixed')).health).toBe('healthy')
    expect(nodeHealth(node('allocated')).health).toBe('healthy')
    expect(nodeHealth(node('down', ['NOT_RESPONDING'], { reason: 'Not responding' }))).toEqual({
      health: 'failed',
      reason: 'Not responding',
    })
    expect(nodeHealth(node('down', [], { reason: 'bad GPU' })).health).toBe('failed')
    // not responding counts once the grace time has passed
    expect(nodeHealth(node('mixed', ['NOT_RESPONDING']), { notRespondingForS: 1 }).health).toBe(
      'healthy',
    )
    expect(nodeHealth(node('mixed', ['NOT_RESPONDING']), { notRespondingForS: 6 })).toEqual({
      health: 'failed',
      reason: 'not responding',
    })
    // Zhisuan's own drain is no health matter; an administrator's in Slurm keeps new work off
    // (degraded); one by Slurm itself is a failure
    const drained = node('idle', ['DRAIN'], {
      reason: 'zhisuan: maint',
      reason_set_by_user: 'root',
    })
    expect(nodeHealth(drained).health).toBe('healthy')
    expect(
      nodeHealth(node('mixed', ['DRAIN'], { reason: 'PSU swap', reason_set_by_user: 'root' })),
    ).toEqual({ health: 'degraded', reason: 'drained in Slurm: PSU swap' })
    expect(
      nodeHealth(node('idle', ['DRAIN'], { reason: 'ops: maint', reason_set_by_user: 'root' }), {
        drainReasonPrefix: 'ops: ',
      }).health,
    ).toBe('healthy')
    expect(
      nodeHealth(
        node('idle', ['DRAIN'], { reason: 'Kill task failed', reason_set_by_user: 'slurm' }),
      ),
    ).toEqual({ health: 'failed', reason: 'Kill task failed' })
    expect(nodeHealth(node('idle', ['FAIL'])).health).toBe('failed')
    expect(nodeHealth(node('unknown')).health).toBe('healthy')
  })
})

/** A slurmrestd in memory, enough for the backend: jobs, nodes, submit, cancel. */
class FakeSlurm {
  jobs: SlurmJob[] = []
  nodes: SlurmNode[] = ['gpu-001', 'gpu-002', 'gpu-003'].map((name) => ({
    name,
    state: 'idle',
    state_flags: [],
    partitions: ['gpu'],
  }))
  submitted: unknown[] = []
  /** Errors a submit answers with beside its job id (Slurm took the job, but…). */
  submitErrors: unknown[] = []
  cancels: number[] = []
  lastUpdate = 1000
  now = 1000
  private nextId = 1

  readonly fetch: typeof fetch = (input, init) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    )
    const method = init?.method ?? 'GET'
    const path = url.pathname.replace('/slurm/v0.0.38', '')
    const reply = (status: number, body?: unknown) =>
      Promise.resolve(
        new Response(body === undefined ? null : JSON.stringify(body), {
          status,
          headers: { 'Content-Type': 'application/json' },
        }),
      )
    if (path === '/openapi/v3') {
      return reply(200, { info: { version: '0.0.38' }, paths: {} })
    }
    if (method === 'GET' && path === '/jobs') {
      const since = url.searchParams.get('update_time')
      if (since !== null && Number(since) > this.lastUpdate) {
        return reply(304)
      }
      return reply(200, { errors: [], jobs: this.jobs })
    }
    if (method === 'GET' && path === '/nodes') {
      return reply(200, { errors: [], nodes: this.nodes })
    }
    if (method === 'POST' && path === '/job/submit') {
      const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as {
        job: { comment: string; nodelist: string; tasks: number }
      }
      this.submitted.push(body)
      const id = this.nextId++
      this.jobs.push({
        job_id: id,
        job_state: 'PENDING',
        comment: body.job.comment,
        required_nodes: body.job.nodelist,
        nodes: '',
        tasks: body.job.tasks,
        submit_time: this.now,
      })
      this.lastUpdate = this.now
      return reply(200, { errors: this.submitErrors, job_id: id })
    }
    const cancel = /^\/job\/(\d+)$/.exec(path)
    if (method === 'DELETE' && cancel !== null) {
      const id = Number(cancel[1])
      this.cancels.push(id)
      this.set(id, { job_state: 'CANCELLED', end_time: this.now })
      return reply(200, { errors: [] })
    }
    return reply(404, { errors: [{ error: `no ${method} ${path}` }] })
  }

  set(id: number, patch: Partial<SlurmJob>): void {
    this.jobs = this.jobs.map((j) => (j.job_id === id ? { ...j, ...patch } : j))
    this.lastUpdate = this.now
  }
}

async function openFake(
  fake: FakeSlurm,
  over: Partial<Parameters<typeof SlurmBackend.open>[0]> = {},
): Promise<SlurmBackend> {
  return SlurmBackend.open({
    url: 'http://slurmrestd.invalid:6820',
    user: 'root',
    token: 't',
    partition: 'gpu',
    slurmConf: '/etc/slurm/slurm.conf',
    workDir: mkdtempSync(join(tmpdir(), 'zhisuan-slurm-unit-')),
    clock: () => fake.now,
    client: { fetch: fake.fetch, retries: 0 },
    ...over,
  })
}

describe('the Slurm backend against a fake slurmrestd', () => {
  it('launches a (job, attempt) once, replaces an older attempt, and adopts runs', async () => {
    const fake = new FakeSlurm()
    const backend = await openFake(fake)
    const job = placed({ nodes: ['gpu-001', 'gpu-002'] })
    await Promise.all([backend.launch(job), backend.launch(job)])
    expect(fake.submitted).toHaveLength(1)
    expect(await backend.runs()).toEqual([
      { jobId: 'j-1', attempt: 1, nodes: ['gpu-001', 'gpu-002'], startedAt: 1000 },
    ])
    // a second control plane finds the run and does not launch it again
    const other = await openFake(fake)
    await other.launch(job)
    expect(fake.submitted).toHaveLength(1)
    await other.launch({ ...job, attempt: 2 })
    expect(fake.cancels).toEqual([1])
    expect((await other.runs()).map((r) => r.attempt)).toEqual([2])
    await expect(backend.launch(placed({ nodes: ['nope'] }))).rejects.toMatchObject({
      code: 'invalid-input',
    })
  })

  it('reports each finished job once, and no event for its own cancels', async () => {
    const fake = new FakeSlurm()
    const backend = await openFake(fake)
    expect(await backend.poll()).toEqual([])
    await backend.launch(placed({ jobId: 'a', nodes: ['gpu-001'] }))
    await backend.launch(placed({ jobId: 'b', nodes: ['gpu-002'] }))
    await backend.launch(placed({ jobId: 'c', nodes: ['gpu-003'] }))
    fake.now = 1010
    fake.set(1, { job_state: 'COMPLETED', exit_code: 0, end_time: 1009 })
    fake.set(2, { job_state: 'NODE_FAIL', end_time: 1008, nodes: 'gpu-002' })
    await backend.cancel('c')
    // slurmctld's records of refused submits, nameless or not, are no events
    fake.jobs.push(
      { job_id: 99, job_state: 'FAILED', comment: '', end_time: 1009 },
      {
        job_id: 100,
        job_state: 'FAILED',
        name: 'zhisuan-d-1',
        comment: 'zhisuan-job:d:1',
        nodes: '',
        batch_host: '',
        state_reason: 'BadConstraints',
        submit_time: 1009,
        end_time: 1009,
      },
    )
    expect(await backend.poll()).toEqual([
      {
        kind: 'job-finished',
        jobId: 'b',
        attempt: 1,
        at: 1008,
        ok: false,
        message: 'Slurm job 2 ended by a node failure on gpu-002',
      },
      { kind: 'job-finished', jobId: 'a', attempt: 1, at: 1009, ok: true, message: 'completed' },
    ])
    expect(await backend.poll()).toEqual([])
    fake.lastUpdate = 2000 // something changed: the full list comes again, nothing new in it
    expect(await backend.poll()).toEqual([])
    expect(await backend.runs()).toEqual([])
  })

  it('asks for jobs with update_time after the first poll', async () => {
    const fake = new FakeSlurm()
    const urls: string[] = []
    const backend = await openFake(fake, {
      client: {
        retries: 0,
        fetch: (input, init) => {
          urls.push(input instanceof Request ? input.url : input.toString())
          return fake.fetch(input, init)
        },
      },
    })
    await backend.poll()
    fake.now = 1005
    await backend.poll()
    const jobs = urls.filter((u) => u.includes('/jobs'))
    expect(jobs[0]).toMatch(/\/jobs$/)
    expect(jobs[1]).toMatch(/\/jobs\?update_time=998$/)
    expect(urls.some((u) => u.includes('/nodes?'))).toBe(false)
  })

  it('on its first poll reports what ended since the given time', async () => {
    const fake = new FakeSlurm()
    fake.jobs.push(
      { job_id: 5, job_state: 'COMPLETED', comment: 'zhisuan-job:old:1', end_time: 500 },
      {
        job_id: 6,
        job_state: 'FAILED',
        comment: 'zhisuan-job:new:1',
        end_time: 990,
        exit_code: 256,
      },
    )
    const all = await openFake(fake)
    expect((await all.poll()).map((e) => (e.kind === 'job-finished' ? e.jobId : ''))).toEqual([
      'old',
      'new',
    ])
    const recent = await openFake(fake, { reportEndedSince: 900 })
    expect(await recent.poll()).toEqual([
      expect.objectContaining({ jobId: 'new', ok: false, at: 990 }),
    ])
  })

  it('reports nodes going down and coming back, with a grace for not responding', async () => {
    const fake = new FakeSlurm()
    const backend = await openFake(fake, { notRespondingGraceS: 5 })
    const patchNode = (patch: Partial<SlurmNode>) => {
      fake.nodes = fake.nodes.map((n) => (n.name === 'gpu-002' ? { ...n, ...patch } : n))
    }
    patchNode({ state: 'mixed', state_flags: ['NOT_RESPONDING'] })
    expect(await backend.poll()).toEqual([])
    fake.now = 1006
    expect(await backend.poll()).toEqual([
      {
        kind: 'node-health',
        node: 'gpu-002',
        health: 'failed',
        at: 1006,
        reason: 'not responding',
      },
    ])
    fake.now = 1030
    patchNode({
      state: 'down',
      state_flags: ['NOT_RESPONDING'],
      reason: 'Not responding',
      reason_changed_at: 1029,
    })
    expect(await backend.poll()).toEqual([])
    expect((await backend.nodes()).find((n) => n.name === 'gpu-002')?.health).toBe('failed')
    fake.now = 1040
    patchNode({ state: 'idle', state_flags: [], reason: '' })
    expect(await backend.poll()).toEqual([
      { kind: 'node-health', node: 'gpu-002', health: 'healthy', at: 1040, reason: 'idle' },
    ])
  })

  it('drains and resumes through scontrol, with the reason', async () => {
    const fake = new FakeSlurm()
    const calls: { file: string; args: readonly string[]; conf: string | undefined }[] = []
    const exec: ExecFn = (file, args, options) => {
      calls.push({ file, args, conf: options.env['SLURM_CONF'] })
      const drained = fake.nodes.some(
        (n) => n.name === 'gpu-003' && (n.state_flags ?? []).includes('DRAIN'),
      )
      if (args.includes('state=resume') && !drained) {
        // what scontrol says when the node is not drained
        const error = Object.assign(new Error('Command failed: scontrol'), {
          code: 1,
          stdout: '',
          stderr: 'slurm_update error: Invalid node state specified',
        })
        return Promise.reject(error)
      }
      return Promise.resolve({ stdout: '', stderr: '' })
    }
    const backend = await openFake(fake, { scontrol: { exec } })
    await backend.setDrain('gpu-003', true, 'bad fan')
    expect(calls).toEqual([
      {
        file: 'scontrol',
        args: ['update', 'nodename=gpu-003', 'state=drain', 'reason=zhisuan: bad fan'],
        conf: '/etc/slurm/slurm.conf',
      },
    ])
    // not drained in Slurm (or a stale view says so): scontrol is asked anyway, and its
    // "Invalid node state" is no error
    await backend.setDrain('gpu-003', false, '')
    expect(calls[1]?.args).toEqual(['update', 'nodename=gpu-003', 'state=resume'])
    fake.nodes = fake.nodes.map((n) =>
      n.name === 'gpu-003' ? { ...n, state_flags: ['DRAIN'] } : n,
    )
    await backend.setDrain('gpu-003', false, '')
    expect(calls[2]?.args).toEqual(['update', 'nodename=gpu-003', 'state=resume'])
    await expect(backend.setDrain('gpu-404', true, 'x')).rejects.toMatchObject({
      code: 'not-found',
    })
  })

  it('cancels a job Slurm took but cannot run as asked, and fails the launch with why', async () => {
    const fake = new FakeSlurm()
    const backend = await openFake(fake)
    // what slurmrestd 22.05 answers for a time limit past the partition's MaxTime
    fake.submitErrors = [
      { error_code: 2015, error: 'Requested partition configuration not available now' },
    ]
    const launch = backend.launch(placed({ nodes: ['gpu-001'] }))
    await expect(launch).rejects.toMatchObject({ code: 'invalid-input', acceptedJobId: 1 })
    await expect(launch).rejects.toThrow(
      'slurmrestd POST /slurm/v0.0.38/job/submit: HTTP 200: Requested partition configuration ' +
        'not available now (error 2015) (Slurm made job 1, which cannot run as asked)',
    )
    expect(fake.cancels).toEqual([1])
    expect(await backend.runs()).toEqual([])
    expect(await backend.poll()).toEqual([])
    // the retry, once Slurm takes it plainly, runs
    fake.submitErrors = []
    await backend.launch(placed({ nodes: ['gpu-001'] }))
    expect((await backend.runs()).map((r) => r.jobId)).toEqual(['j-1'])
  })

  it('checks the partition against the cluster file at start-up', async () => {
    const cluster = parseClusterFile(
      'slurm-dev-8.yaml',
      readFileSync(new URL('../../../examples/clusters/slurm-dev-8.yaml', import.meta.url), 'utf8'),
      defaultCatalog(),
    )
    const fake = new FakeSlurm()
    fake.nodes = Array.from({ length: 8 }, (_, i) => ({
      name: `gpu-00${i + 1}`,
      gres: 'gpu:h100:8',
      features: 'h100',
      state: 'idle',
      state_flags: i === 6 ? ['DRAIN'] : [],
      reason: i === 6 ? 'bad DIMM' : '',
      partitions: ['gpu'],
    }))
    let topology =
      'SwitchName=leaf0 Level=0 LinkSpeed=1 Nodes=gpu-[001-004]\n' +
      'SwitchName=leaf1 Level=0 LinkSpeed=1 Nodes=gpu-[005-008]\n' +
      'SwitchName=spine0 Level=1 LinkSpeed=1 Nodes=gpu-[001-008] Switches=leaf[0-1]\n'
    const asked: (readonly string[])[] = []
    const exec: ExecFn = (_file, args) => {
      asked.push(args)
      return Promise.resolve({ stdout: topology, stderr: '' })
    }
    const warnings: string[] = []
    const backend = await openFake(fake, {
      cluster,
      scontrol: { exec },
      warn: (m) => warnings.push(m),
    })
    expect(asked).toEqual([['show', 'topology']])
    expect(warnings).toEqual([
      'warning: Slurm partition gpu at http://slurmrestd.invalid:6820: gpu-007.state: drained in ' +
        'Slurm (bad DIMM): jobs placed there wait in Slurm until it is resumed (drain it in ' +
        'Zhisuan too, or resume it in Slurm)',
    ])
    expect((await backend.inventory()).nodes[6]).toMatchObject({
      name: 'gpu-007',
      accelerators: 8,
      flags: ['DRAIN'],
      position: { leaf: 'leaf1', spine: 'spine0' },
    })

    topology = topology
      .replace('gpu-[001-004]', 'gpu-[001-003]')
      .replace('Nodes=gpu-[005-008]', 'Nodes=gpu-[004-008]')
    fake.nodes = fake.nodes.map((n) => (n.name === 'gpu-002' ? { ...n, gres: 'gpu:4' } : n))
    const refused = openFake(fake, { cluster, scontrol: { exec }, warn: () => undefined })
    await expect(refused).rejects.toMatchObject({ code: 'invalid-config' })
    await expect(refused).rejects.toThrow(
      'Slurm partition gpu at http://slurmrestd.invalid:6820 does not match the cluster file ' +
        'slurm-dev-8:\n' +
        '  gpu-002.gres: Slurm gives it ' +
        "Gres=gpu:4 (4 GPUs), the cluster file's pool gpu 8 accelerators per node\n" +
        '  gpu-004.topology: the cluster ' +
        'file puts it in leaf block 0 (gpu-[001-004]), Slurm under switch leaf1 (gpu-[004-008])',
    )
  })
})
