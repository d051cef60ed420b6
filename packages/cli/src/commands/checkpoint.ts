import type { Command } from 'commander'
import { ZhisuanError } from '@zhisuan/domain'
import {
  FileTier,
  HttpRegistryClient,
  S3Tier,
  Uploader,
  type DurableTier,
} from '@zhisuan/checkpoint'
import { formatCount, formatPercent } from '../numbers.js'
import { intOption } from '../options.js'
import type { Io } from '../output.js'
import { tableWidth } from '../table.js'
import { wrapWords } from '../text-width.js'
import { checkpointsTable, type CheckpointView } from './api-tables.js'
import { api } from './client.js'
import { describeUploadEvent } from './upload-events.js'
import { serverAndToken, untilSignalled } from './daemon.js'

interface UploadFlags {
  job: string
  dir: string
  tier: string
  s3Endpoint?: string
  s3Region?: string
  concurrency: string
  once?: boolean
  server?: string
  token?: string
}

/** `file:/path` or a plain path → a file tier; `s3://bucket/prefix` → an S3(-compatible) tier. */
function tierOf(flags: UploadFlags): DurableTier {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(flags.tier)
  if (s3 !== null) {
    return new S3Tier({
      bucket: s3[1] ?? '',
      ...(s3[2] === undefined || s3[2] === ''
        ? {}
        : { prefix: s3[2].endsWith('/') ? s3[2] : `${s3[2]}/` }),
      ...(flags.s3Endpoint === undefined
        ? {}
        : { endpoint: flags.s3Endpoint, forcePathStyle: true }),
      ...(flags.s3Region === undefined ? {} : { region: flags.s3Region }),
    })
  }
  if (flags.tier.startsWith('s3:')) {
    throw new ZhisuanError(
      'invalid-input',
      `--tier: expected s3://bucket/prefix, got "${flags.tier}"`,
    )
  }
  return new FileTier(flags.tier.replace(/^file:(\/\/)?/, ''))
}

export function registerCheckpoint(program: Command, io: Io): void {
  const checkpoint = program.command('checkpoint').description('a job’s checkpoints: upload, list')
  checkpoint
    .command('upload')
    .description(
      'stream a job’s finished local checkpoints to the durable tier, checksummed, and report them to the registry',
    )
    .requiredOption('--job <id>', 'the Zhisuan job id')
    .requiredOption(
      '--dir <dir>',
      'the job’s local checkpoint directory (<dir>/<checkpoint>/manifest.json last)',
    )
    .requiredOption('--tier <target>', 'a directory (file tier) or s3://bucket/prefix')
    .option('--s3-endpoint <url>', 'an S3-compatible endpoint (MinIO, Ceph, …)')
    .option('--s3-region <region>', 'the S3 region')
    .option('--concurrency <n>', 'shards streamed at once', '4')
    .option('--once', 'one pass over the directory, then exit')
    .option('--server <url>', 'control plane URL (env ZHISUAN_SERVER)')
    .option('--token <token>', 'a token of the job’s tenant or node (env ZHISUAN_TOKEN)')
    .action(async (flags: UploadFlags) => {
      process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true'
      const { server, token } = serverAndToken(flags)
      const uploader = new Uploader({
        jobId: flags.job,
        root: flags.dir,
        registry: new HttpRegistryClient(server, token),
        tier: tierOf(flags),
        concurrency: intOption('--concurrency', flags.concurrency) ?? 4,
        onEvent: (e) => {
          io.err(`zhisuan checkpoint: ${describeUploadEvent(e)}`)
        },
      })
      if (flags.once === true) {
        await uploader.pass()
        io.out(JSON.stringify(uploader.stats(), null, 2))
        return
      }
      uploader.start()
      await untilSignalled(() => uploader.stop())
      io.out(JSON.stringify(uploader.stats(), null, 2))
    })

  checkpoint
    .command('list <job>')
    .description('a job’s checkpoints, newest first, and the recommended interval')
    .option('--server <url>', 'control plane URL (env ZHISUAN_SERVER)')
    .option('--token <token>', 'bearer token (env ZHISUAN_TOKEN)')
    .option('--wide', 'every column (exact bytes) and whole cells')
    .option('--json', 'as JSON')
    .action(
      async (
        job: string,
        flags: { server?: string; token?: string; json?: boolean; wide?: boolean },
      ) => {
        const list = (await api(
          flags,
          'GET',
          `/api/v1/jobs/${encodeURIComponent(job)}/checkpoints`,
        )) as { items: CheckpointView[] }
        const plan = (await api(
          flags,
          'GET',
          `/api/v1/jobs/${encodeURIComponent(job)}/checkpoints/plan`,
        )) as {
          recommendedIntervalS: number | null
          expectedEttr: number
          saveSecondsSource: string
          failureRateSource: string
        }
        if (flags.json === true) {
          io.out(JSON.stringify({ ...list, plan }, null, 2))
          return
        }
        const interval =
          plan.recommendedIntervalS === null
            ? '— (no failures expected)'
            : `${formatCount(plan.recommendedIntervalS / 60)} min`
        io.out(
          [
            checkpointsTable(job, list.items, flags.wide === true),
            wrapWords(
              `recommended interval ${interval} · expected ETTR ${formatPercent(plan.expectedEttr)} (save time ${plan.saveSecondsSource}, failure rate ${plan.failureRateSource})`,
              tableWidth,
            ),
          ].join('\n'),
        )
      },
    )
}
