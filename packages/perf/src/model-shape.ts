import { Type, type Static } from '@sinclair/typebox'
import { ZhisuanError, closestNames, parseSourceText, validateSchema } from '@zhisuan/domain'

/** A mixture-of-experts FFN (Shazeer et al. 2017; GShard; DeepSeekMoE). */
export const MoeSchema = Type.Object(
  {
    /** Routed experts per MoE layer. */
    experts: Type.Integer({ minimum: 2 }),
    /** Routed experts each token goes to. */
    topK: Type.Integer({ minimum: 1 }),
    /** FFN width of one expert (gated like the dense FFN when `gatedFfn`). */
    expertFfnHidden: Type.Integer({ minimum: 1 }),
    /** Experts every token goes through as well (DeepSeekMoE's shared experts). */
    sharedExperts: Type.Integer({ minimum: 0 }),
    /** The first layers keep a dense FFN of `ffnHidden` (DeepSeek-V3: 3). */
    denseLayers: Type.Integer({ minimum: 0 }),
    /** Most scale-up domains one token is dispatched to (DeepSeek-V3's node-limited routing: 4). */
    domainLimit: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Tokens an expert takes, over its balanced share; absent: dropless (every token is kept). */
    capacityFactor: Type.Optional(Type.Number({ minimum: 1 })),
  },
  { additionalProperties: false },
)

/** A decoder-only transformer. */
export const ModelShapeSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    layers: Type.Integer({ minimum: 1 }),
    hidden: Type.Integer({ minimum: 1 }),
    heads: Type.Integer({ minimum: 1 }),
    /** Key/value heads (GQA); equal to `heads` for multi-head attention. */
    kvHeads: Type.Integer({ minimum: 1 }),
    ffnHidden: Type.Integer({ minimum: 1 }),
    vocab: Type.Integer({ minimum: 1 }),
    seqLen: Type.Integer({ minimum: 1 }),
    /** SwiGLU-style FFN with three matrices (Llama) instead of two (GPT). */
    gatedFfn: Type.Boolean(),
    /** Linear biases and LayerNorm (GPT/Megatron) rather than bias-free RMSNorm (Llama). */
    biases: Type.Boolean(),
    /** Output layer shares the embedding matrix. */
    tiedEmbeddings: Type.Boolean(),
    /** Learned absolute positions (GPT) rather than rotary (no parameters). */
    learnedPositions: Type.Boolean(),
    /**
     * Trained with dropout (GPT-3, Megatron-LM: 0.1), which keeps a one-byte mask per dropped
     * activation for the backward pass; Llama-style models train without it.
     */
    dropout: Type.Boolean(),
    /**
     * Attention that is not plain multi-head/GQA (e.g. DeepSeek's multi-head latent attention):
     * the width of a query/key head and of a value head, and the weights of all the attention
     * projections of one layer. Absent: hidden/heads, and 2h² + 2h·kv.
     */
    attention: Type.Optional(
      Type.Object(
        {
          qkHeadDim: Type.Integer({ minimum: 1 }),
          vHeadDim: Type.Integer({ minimum: 1 }),
          projectionParams: Type.Integer({ minimum: 1 }),
          /**
           * Elements one layer caches per token for decoding (MLA: the KV latent and the rotary
           * key). Absent: the keys and values of every KV head.
           */
          cacheWidth: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Mixture of experts: the FFN of every layer after `denseLayers` is routed. */
    moe: Type.Optional(MoeSchema),
  },
  { additionalProperties: false },
)
export type ModelShape = Static<typeof ModelShapeSchema>
export type Moe = Static<typeof MoeSchema>

/** A GPT-style shape (Megatron-LM's: vocabulary 51,200, sequence 2,048, 4h FFN, biases, tied embeddings). */
export const gptShape = (
  name: string,
  layers: number,
  hidden: number,
  heads: number,
): ModelShape => ({
  name,
  layers,
  hidden,
  heads,
  kvHeads: heads,
  ffnHidden: 4 * hidden,
  vocab: 51_200,
  seqLen: 2048,
  gatedFfn: false,
  biases: true,
  tiedEmbeddings: true,
  learnedPositions: true,
  dropout: true,
})

const llama = (
  name: string,
  layers: number,
  hidden: number,
  heads: number,
  ffn: number,
): ModelShape => ({
  name,
  layers,
  hidden,
  heads,
  kvHeads: 8,
  ffnHidden: ffn,
  vocab: 128_256,
  seqLen: 8192,
  gatedFfn: true,
  biases: false,
  tiedEmbeddings: false,
  learnedPositions: false,
  dropout: false,
})

/**
 * Named model shapes. GPT-3 and Megatron shapes: Narayanan et al. (SC'21) Table 1 and
 * paper-tables.md §1, vocabulary 51,200, sequence 2,048. Llama 3: Meta's model cards
 * (8B: 32×4096, 70B: 80×8192, 405B: 126×16384; GQA with 8 KV heads; vocabulary 128,256).
 */
export const modelPresets: Readonly<Record<string, ModelShape>> = {
  'gpt3-175b': gptShape('gpt3-175b', 96, 12_288, 96),
  'megatron-1t': gptShape('megatron-1t', 128, 25_600, 160),
  'megatron-530b': gptShape('megatron-530b', 105, 20_480, 128),
  'megatron-145b': gptShape('megatron-145b', 80, 12_288, 96),
  'megatron-39b': gptShape('megatron-39b', 48, 8192, 64),
  'gpt-7.5b': gptShape('gpt-7.5b', 36, 4096, 32),
  'gpt-1.7b': gptShape('gpt-1.7b', 24, 2304, 24),
  'llama3-8b': llama('llama3-8b', 32, 4096, 32, 14_336),
  'llama3-70b': llama('llama3-70b', 80, 8192, 64, 28_672),
  'llama3-405b': llama('llama3-405b', 126, 16_384, 128, 53_248),
  // Llama 2 70B (Touvron et al. 2023; its config.json): 80 × 8192, 64 heads, 8 KV heads, FFN
  // 28,672, vocabulary 32,000, 4K context. The model of MLPerf Inference's llama2-70b benchmark.
  'llama2-70b': { ...llama('llama2-70b', 80, 8192, 64, 28_672), vocab: 32_000, seqLen: 4096 },
  // Mistral's config.json for Mixtral-8x7B-v0.1: 32 layers × 4096, 32 heads, 8 KV heads,
  // 8 experts of 14,336 (SwiGLU), top-2, vocabulary 32,000; 46.7B parameters, 12.9B active.
  'mixtral-8x7b': {
    ...llama('mixtral-8x7b', 32, 4096, 32, 14_336),
    vocab: 32_000,
    seqLen: 4096,
    moe: { experts: 8, topK: 2, expertFfnHidden: 14_336, sharedExperts: 0, denseLayers: 0 },
  },
  // DeepSeek-V3 (arXiv:2412.19437; its config_671B.json): 61 layers × 7168, the first 3 dense
  // (FFN 18,432); multi-head latent attention with 128 heads (query rank 1536, KV rank 512,
  // query/key heads 128 + 64 rotary, value heads 128); 256 routed experts of 2048, 8 per token,
  // routed to at most 4 nodes, 1 shared expert; vocabulary 129,280; pre-trained at 4K sequences.
  // 671B parameters, 37B active.
  'deepseek-v3': {
    ...llama('deepseek-v3', 61, 7168, 128, 18_432),
    kvHeads: 128,
    vocab: 129_280,
    seqLen: 4096,
    attention: {
      qkHeadDim: 192,
      vHeadDim: 128,
      // q down 7168×1536, q up 1536×128·192, kv down 7168×(512+64), kv up 512×128·(128+128),
      // output 128·128×7168, and the two latent norms (1536 + 512)
      projectionParams:
        7168 * 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 * 128 * 256 + 128 * 128 * 7168 + 2048,
      // decoding caches the KV latent (512) and the rotary key (64) per token and layer
      cacheWidth: 576,
    },
    moe: {
      experts: 256,
      topK: 8,
      expertFfnHidden: 2048,
      sharedExperts: 1,
      denseLayers: 3,
      domainLimit: 4,
    },
  },
}

/**
 * A preset by name.
 * @throws ZhisuanError `not-found` with the closest preset names.
 */
export function modelPreset(name: string): ModelShape {
  const key = name.toLowerCase()
  // own keys only: "constructor" or "__proto__" is not a model
  const shape = Object.hasOwn(modelPresets, key) ? modelPresets[key] : undefined
  if (shape === undefined) {
    const names = Object.keys(modelPresets)
    throw new ZhisuanError(
      'not-found',
      `unknown model "${name}"; did you mean ${closestNames(name, names).join(', ')}? (or give a model file)`,
    )
  }
  return shape
}

/**
 * A model shape from YAML/JSON text; missing flags default to a GPT-style model.
 * @throws ZhisuanError `invalid-config` naming each bad field, or when heads do not divide hidden.
 */
export function parseModelShape(source: string, text: string): ModelShape {
  const doc = parseSourceText(source, text)
  const base = {
    gatedFfn: false,
    biases: true,
    tiedEmbeddings: true,
    learnedPositions: true,
    dropout: true,
  }
  const data =
    typeof doc.data === 'object' && doc.data !== null ? { ...base, ...doc.data } : doc.data
  if (typeof data === 'object' && data !== null && !('kvHeads' in data) && 'heads' in data) {
    Object.assign(data, { kvHeads: data.heads })
  }
  const shape = validateSchema(ModelShapeSchema, { ...doc, data }, 'model file')
  checkModelShape(shape)
  return shape
}

/**
 * Checks the divisibility a transformer needs.
 * @throws ZhisuanError `invalid-input` when heads do not divide hidden (plain attention), kvHeads do
 * not divide heads, or the experts do not make sense.
 */
export function checkModelShape(shape: ModelShape): void {
  const moe = shape.moe
  if (moe !== undefined && moe.topK > moe.experts) {
    throw new ZhisuanError(
      'invalid-input',
      `model ${shape.name}: moe.topK (${moe.topK}) exceeds moe.experts (${moe.experts})`,
    )
  }
  if (moe !== undefined && moe.denseLayers >= shape.layers) {
    throw new ZhisuanError(
      'invalid-input',
      `model ${shape.name}: moe.denseLayers (${moe.denseLayers}) leaves no MoE layer of ${shape.layers}`,
    )
  }
  if (shape.attention === undefined && shape.hidden % shape.heads !== 0) {
    throw new ZhisuanError(
      'invalid-input',
      `model ${shape.name}: heads (${shape.heads}) must divide hidden (${shape.hidden})`,
    )
  }
  if (shape.heads % shape.kvHeads !== 0) {
    throw new ZhisuanError(
      'invalid-input',
      `model ${shape.name}: kvHeads (${shape.kvHeads}) must divide heads (${shape.heads})`,
    )
  }
}
