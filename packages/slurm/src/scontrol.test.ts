import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readEnvFile, slurmBackendOptionsFromEnv } from './env.js'
import { Scontrol, parseScontrolRecord, type ExecFn } from './scontrol.js'

describe('scontrol', () => {
  it('drains with the reason as one argument, resumes and requeues, with SLURM_CONF set', async () => {
    const calls: { file: string; args: readonly string[]; conf: string | undefined }[] = []
    const exec: ExecFn = (file, args, options) => {
      calls.push({ file, args, conf: options.env['SLURM_CONF'] })
      return Promise.resolve({ stdout: '', stderr: '' })
    }
    const scontrol = new Scontrol({ slurmConf: '/s/slurm.conf', binary: '/usr/bin/scontrol', exec })
    await scontrol.drain(['gpu-001', 'gpu-002'], 'zhisuan: fan "loud" x=1')
    await scontrol.resume('gpu-001')
    await scontrol.requeue(17, 'node gpu-002 failed')
    expect(calls).toEqual([
      {
        file: '/usr/bin/scontrol',
        args: [
          'update',
          'nodename=gpu-001,gpu-002',
          'state=drain',
          'reason=zhisuan: fan "loud" x=1',
        ],
        conf: '/s/slurm.conf',
      },
      {
        file: '/usr/bin/scontrol',
        args: ['update', 'nodename=gpu-001', 'state=resume'],
        conf: '/s/slurm.conf',
      },
      { file: '/usr/bin/scontrol', args: ['requeue', '17'], conf: '/s/slurm.conf' },
      {
        file: '/usr/bin/scontrol',
        args: ['update', 'jobid=17', 'AdminComment=node gpu-002 failed', 'StartTime=now'],
        conf: '/s/slurm.conf',
      },
    ])
    await expect(scontrol.drain('gpu-001', ' ')).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(scontrol.drain('gpu 1', 'x')).rejects.toMatchObject({ code: 'invalid-input' })
  })

  it("turns scontrol's failures into errors with its message", async () => {
    const failing =
      (stderr: string, code: unknown = 1): ExecFn =>
      () =>
        Promise.reject(Object.assign(new Error('Command failed'), { stderr, code }))
    const bad = new Scontrol({
      slurmConf: '/s',
      exec: failing('slurm_update error: Invalid node name specified\n'),
    })
    await expect(bad.resume('nope')).rejects.toMatchObject({ code: 'not-found' })
    await expect(bad.resume('nope')).rejects.toThrow(
      'scontrol update nodename=nope state=resume failed: slurm_update error: Invalid node name specified',
    )
    const down = new Scontrol({
      slurmConf: '/s',
      exec: failing('slurm_update error: Unable to contact slurm controller (connect failure)'),
    })
    await expect(down.drain('gpu-001', 'r')).rejects.toMatchObject({ code: 'unavailable' })
    const missing = new Scontrol({ slurmConf: '/s', binary: '/nonexistent/scontrol' })
    await expect(missing.resume('gpu-001')).rejects.toMatchObject({ code: 'unavailable' })
    await expect(missing.resume('gpu-001')).rejects.toThrow(/not found/)
  })

  it('parses scontrol show node', () => {
    const text = `NodeName=gpu-008 Arch=x86_64 CoresPerSocket=56
   CPUAlloc=0 CPUEfctv=112 CPUTot=112 CPULoad=3.70
   Gres=gpu:h100:8
   State=IDLE+DRAIN ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A
   OS=Linux 6.18.44-fc-v595 #1 SMP PREEMPT_DYNAMIC @0
   Reason=zhisuan: test drain x=1 [root@2026-11-28T07:18:01]
`
    const record = parseScontrolRecord(text)
    expect(record).toMatchObject({
      NodeName: 'gpu-008',
      State: 'IDLE+DRAIN',
      Gres: 'gpu:h100:8',
      OS: 'Linux 6.18.44-fc-v595 #1 SMP PREEMPT_DYNAMIC @0',
      Reason: 'zhisuan: test drain x=1 [root@2026-11-28T07:18:01]',
    })
  })
})

describe('backend options from an environment file', () => {
  it("reads up.sh's env file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhisuan-slurm-env-'))
    const file = join(dir, 'env')
    writeFileSync(
      file,
      '# comment\nZHISUAN_SLURM_DIR=/var/lib/zhisuan-slurm\nSLURM_CONF=/var/lib/zhisuan-slurm/etc/slurm.conf\n' +
        'SLURMRESTD_URL=http://127.0.0.1:6820\nSLURM_USER=root\nSLURM_JWT="abc.def"\nZHISUAN_SLURM_PARTITION=gpu\n',
    )
    const options = slurmBackendOptionsFromEnv(await readEnvFile(file), {
      masterAddress: '127.0.0.1',
    })
    expect(options).toEqual({
      url: 'http://127.0.0.1:6820',
      token: 'abc.def',
      slurmConf: '/var/lib/zhisuan-slurm/etc/slurm.conf',
      user: 'root',
      partition: 'gpu',
      workDir: '/var/lib/zhisuan-slurm/jobs',
      masterAddress: '127.0.0.1',
    })
    expect(() => slurmBackendOptionsFromEnv({ SLURM_JWT: 'x' })).toThrow(
      /needs SLURMRESTD_URL, SLURM_CONF/,
    )
    await expect(readEnvFile(join(dir, 'missing'))).rejects.toMatchObject({
      code: 'invalid-config',
    })
  })
})
