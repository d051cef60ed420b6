// The checkpoint uploader (`zhisuan bench checkpoint`): ~1 GiB in 8 shard files, copied (a) by
// `cp -r` and by the uploader to a FileTier on the same disk (kernel copy, SHA-256 of the copy
// in worker threads, fsync), target fsRatioToCp ≥ 0.9, and (b) to s3rver (its own process) by
// one-at-a-time PutObject and by the uploader (4 shards at once, each one streamed PutObject
// hashed on its way), target s3RatioToSingleStream > 1; with the uploader's peak RSS. Each phase
// runs 3 times (`--repeats N`), round-robin, and its median counts. `--json` prints only the
// JSON line. A missed target is printed, not an exit code: the bench exits non-zero only when
// it cannot run. Needs the build (`npm run build`).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const { benchCheckpoint } = await import('../packages/checkpoint/dist/bench.js')

const json = process.argv.includes('--json')
const at = process.argv.indexOf('--repeats')
const r = await benchCheckpoint({
  repeats: at === -1 ? 3 : Number(process.argv[at + 1]),
  log: json ? undefined : (line) => console.log(`  … ${line}`),
})
if (json) {
  console.log(JSON.stringify(r))
  process.exit(0)
}
const f = (x, d = 2) => x.toFixed(d)
console.log(
  `${r.shards} shards, ${f(r.totalBytes / 1024 ** 3)} GiB, same disk, median of ${r.repeats}`,
)
console.log('| copy | seconds | MB/s |')
console.log('| --- | ---: | ---: |')
const row = (name, s) => console.log(`| ${name} | ${f(s)} | ${f(r.totalBytes / 1e6 / s, 0)} |`)
row('cp -r', r.cpSeconds)
row('cp -r && sync', r.cpSyncSeconds)
row('  the sync alone (the disk writing the bytes back)', r.syncSeconds)
row('uploader → FileTier (kernel copy, SHA-256 of the copy, fsync)', r.fileTierSeconds)
row('PutObject one at a time (s3rver)', r.s3SingleStreamSeconds)
row('PutObject all at once (s3rver)', r.s3ConcurrentSingleStreamSeconds)
row('uploader → S3Tier (SHA-256, 4 shards at once, one PutObject each)', r.s3UploaderSeconds)
console.log(`fsRatioToCp            ${f(r.fsRatioToCp)}   (target ≥ 0.9)`)
console.log(
  `fsRatioCeiling         ${f(r.fsRatioCeiling)}   (cp -r ÷ sync: the most any copy that makes the bytes durable reaches here)`,
)
console.log(`fsRatioToCpSync        ${f(r.fsRatioToCpSync)}`)
console.log(`s3RatioToSingleStream  ${f(r.s3RatioToSingleStream)}   (target > 1)`)
if (r.s3ServerCpuSeconds !== null) {
  const c = r.s3ServerCpuSeconds
  console.log(
    `s3rver CPU seconds     ${f(c.singleStream)} one at a time, ${f(c.uploader)} uploader`,
  )
}
console.log(`peak RSS               ${f(r.peakRssMB, 0)} MB (baseline ${f(r.baselineRssMB, 0)} MB)`)
console.log(JSON.stringify(r))
if (r.fsRatioToCp < 0.9) {
  console.log('MISS: the uploader to a FileTier is slower than 0.9 × cp -r (see BENCHMARKS.md)')
}
if (r.s3RatioToSingleStream <= 1) {
  console.log(
    'MISS: the uploader to S3 is not faster than one-at-a-time PutObject (see BENCHMARKS.md)',
  )
}
