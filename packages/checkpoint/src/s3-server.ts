import { mkdir } from 'node:fs/promises'

/** A running S3-compatible server. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`, for `S3TierOptions.endpoint` (with `forcePathStyle`). */
  readonly endpoint: string
  readonly bucket: string
  /** The access key and secret it accepts. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  close(): Promise<void>
}

/**
 * Starts s3rver (a development dependency: tests and benchmarks only) on a free port of
 * 127.0.0.1, keeping its objects under `directory`, with `bucket` made.
 * @throws when s3rver is not installed (a production install).
 */
export async function startS3Server(directory: string, bucket = 'checkpoints'): Promise<S3Server> {
  await mkdir(directory, { recursive: true })
  const { default: S3rver } = await import('s3rver')
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  })
  const { port } = await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    close: () => server.close(),
  }
}
