import { Type, type Static } from '@sinclair/typebox'
import { ZhisuanError, closestNames, parseSourceText, validateSchema } from '@zhisuan/domain'

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
  },
  { additionalProperties: false },
)
export type ModelShape = Static<typeof ModelShapeSchema>

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
 * @throws ZhisuanError `invalid-input` when heads do not divide hidden or kvHeads do not divide heads.
 */
export function checkModelShape(shape: ModelShape): void {
  if (shape.hidden % shape.heads !== 0) {
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
