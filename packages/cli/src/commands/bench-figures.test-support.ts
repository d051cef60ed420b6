import type { CheckpointBenchResult } from '@zhisuan/checkpoint/bench'
import type { SchedulerBenchView } from './bench-tables.js'

const pair = (zhisuan: number, firstFit: number) => ({ zhisuan, firstFit })
const policy = (spineTrafficFloor: number, meanGangWaitHours: number) => ({
  spineTrafficFloor,
  meanGangWaitHours,
})

/** Figures of a real run of `zhisuan bench scheduler` on rail-100k (10,000 Philly jobs). */
export const schedulerFigures: SchedulerBenchView = {
  cluster: 'rail-100k',
  accelerators: 100_000,
  jobs: 10_072,
  decisionsPerSecond: 21_159.4,
  placeMs: {
    gang8: { p50: 0.011, p99: 0.156, n: 176 },
    gang64: { p50: 0.013, p99: 0.111, n: 176 },
    gang1024: { p50: 0.029, p99: 0.504, n: 176 },
    gang8192: { p50: 0.117, p99: 1.01, n: 176 },
  },
  peakMemoryMB: 129.4,
  spineTrafficShare: pair(0.016, 0.026),
  meanTopTier: pair(2.93, 3.36),
  utilization: pair(0.771, 0.772),
  meanWaitHours: pair(0.01, 0.01),
  policies: { zhisuan: policy(0.016, 1.31), firstFit: policy(0.016, 1.4) },
  tree64: {
    jobs: 24_137,
    spineTrafficShare: pair(0.27, 0.59),
    spineTrafficFloor: 0,
    meanTopTier: pair(2.63, 3.34),
    utilization: pair(0.845, 0.844),
    meanWaitHours: pair(3.29, 3.13),
  },
}

/** Figures of a run of `zhisuan bench checkpoint` (~1 GiB, 3 repeats). */
export const checkpointFigures: CheckpointBenchResult = {
  totalBytes: 1_073_741_824,
  shards: 8,
  repeats: 3,
  cpSeconds: 1.12,
  cpSyncSeconds: 3.41,
  syncSeconds: 2.29,
  fileTierSeconds: 2.57,
  fsRatioToCp: 0.44,
  fsRatioToCpSync: 1.33,
  fsRatioCeiling: 0.49,
  s3SingleStreamSeconds: 9.8,
  s3ConcurrentSingleStreamSeconds: 4.1,
  s3UploaderSeconds: 4.4,
  s3RatioToSingleStream: 2.23,
  fileTierMBps: 417.8,
  s3UploaderMBps: 244,
  s3ServerCpuSeconds: { singleStream: 6.1, uploader: 5.3 },
  baselineRssMB: 88,
  peakRssMB: 161.2,
}
