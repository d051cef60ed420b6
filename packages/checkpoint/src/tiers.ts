// The durable tiers, one module each; this one gathers them for importers.
export { checkKey, type DurableTier, type PutFileOptions } from './durable-tier.js'
export { FileTier } from './file-tier.js'
export { S3Tier, type S3TierOptions } from './s3-tier.js'
