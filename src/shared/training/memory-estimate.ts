/**
 * Memory and time needed by a training run, from the model's shape (its HF config.json) and the run settings.
 * Pure arithmetic, so the Train page, the engine and tests share one rule. The counts follow what the trainer
 * keeps alive during a step: weights, gradients and AdamW state for what trains, the activations saved for
 * the backward pass (SDPA keeps no seq×seq score matrix) and the fp32 logits of the loss: all of them for a family
 * the trainer's chunked loss does not cover, one chunk of LOSS_CHUNK_ROWS rows for those it does.
 */

/** model_type values whose loss the trainer computes in chunks (resources/trainer/lathe_trainer/train/loss.py HEADS;
 * a unit test keeps the two lists equal), and the rows of logits per chunk there. */
export const CHUNKED_LOSS_FAMILIES: readonly string[] = ['gemma2', 'gemma3_text', 'llama', 'mistral', 'phi3', 'qwen2', 'qwen3'];
export const LOSS_CHUNK_ROWS = 1024;

export interface ModelShape {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  tiedEmbeddings: boolean;
  /** The trainer never holds more than LOSS_CHUNK_ROWS rows of fp32 logits for this family. */
  chunkedLoss: boolean;
}

export type Precision = 'fp32' | 'bf16' | 'fp16';
export type Method = 'lora' | 'full' | 'qlora';

export interface EstimateSettings {
  method: Method;
  loraRank: number;
  maxSeqLen: number;
  microBatchSize: number;
  gradAccum: number;
  maxSteps: number;
  precision: Precision;
  gradientCheckpointing: boolean;
  /** The trainer's attention implementation; 'sdpa' unless set. */
  attention?: 'sdpa' | 'eager';
  /** Processes (GPUs) and how they hold the model: 'ddp' = a whole copy each, 'fsdp' = 1/N each (FSDP2). */
  worldSize?: number;
  sharding?: 'ddp' | 'fsdp';
  /** Sequences a row of the micro-batch runs through the model: 2 for pairwise preference objectives (chosen and rejected). */
  sequencesPerExample?: number;
}

export interface MemoryBreakdown {
  weights: number;
  gradients: number;
  optimizer: number;
  activations: number;
  overhead: number;
  total: number;
}

/** Reads the fields of a Llama/Qwen/Mistral-style config.json; throws a plain Error naming a missing field. */
export function shapeFromHfConfig(config: Record<string, unknown>): ModelShape {
  const text = (config.text_config as Record<string, unknown> | undefined) ?? config;
  const num = (key: string, fallback?: number): number => {
    const v = text[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
    if (fallback !== undefined) return fallback;
    throw new Error(`config.json has no usable "${key}"`);
  };
  const hidden = num('hidden_size');
  const heads = num('num_attention_heads');
  return {
    vocab: num('vocab_size'),
    hidden,
    layers: num('num_hidden_layers'),
    heads,
    kvHeads: num('num_key_value_heads', heads),
    headDim: num('head_dim', hidden / heads),
    intermediate: num('intermediate_size', 4 * hidden),
    tiedEmbeddings: text.tie_word_embeddings === true || config.tie_word_embeddings === true,
    chunkedLoss: CHUNKED_LOSS_FAMILIES.includes(String(text.model_type ?? config.model_type ?? '')),
  };
}

/** Linear layers of one decoder layer as [in, out]: q, k, v, o, gate, up, down ("all-linear" LoRA targets). */
function layerLinears(s: ModelShape): Array<[number, number]> {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  return [[s.hidden, q], [s.hidden, kv], [s.hidden, kv], [q, s.hidden], [s.hidden, s.intermediate], [s.hidden, s.intermediate], [s.intermediate, s.hidden]];
}

export function parameterCount(s: ModelShape): number {
  const perLayer = layerLinears(s).reduce((sum, [i, o]) => sum + i * o, 0) + 2 * s.hidden;
  const embeddings = s.vocab * s.hidden * (s.tiedEmbeddings ? 1 : 2);
  return embeddings + s.layers * perLayer + s.hidden;
}

export function loraParameterCount(s: ModelShape, rank: number): number {
  return s.layers * layerLinears(s).reduce((sum, [i, o]) => sum + rank * (i + o), 0);
}

const BYTES: Record<Precision, number> = { fp32: 4, bf16: 2, fp16: 2 };

export function memoryBreakdown(s: ModelShape, x: EstimateSettings, device: 'cpu' | 'cuda'): MemoryBreakdown & { parameters: number; trainable: number } {
  const parameters = parameterCount(s);
  const act = BYTES[x.precision];
  let weights: number;
  let trainable: number;
  if (x.method === 'full') {
    trainable = parameters;
    weights = parameters * 4; // fp32 master weights; autocast makes 16-bit copies per op
  } else {
    trainable = loraParameterCount(s, x.loraRank);
    const embed = s.vocab * s.hidden * (s.tiedEmbeddings ? 1 : 2);
    const frozen = x.method === 'qlora' ? (parameters - embed) * 0.5625 + embed * 2 : parameters * act;
    weights = frozen + trainable * 4;
  }
  let gradients = trainable * 4;
  let optimizer = trainable * 8; // AdamW: two fp32 moments
  const world = Math.max(1, x.worldSize ?? 1);
  if (x.sharding === 'fsdp' && world > 1) {
    // Each GPU keeps 1/N of everything and gathers whole blocks while it computes them: the block in use and the
    // next one (prefetch), in the dtype they are stored in, plus their unsharded gradients in backward.
    const block = layerLinears(s).reduce((sum, [i, o]) => sum + i * o, 0) * (x.method === 'full' ? 4 : act);
    weights = weights / world + 2 * block;
    gradients = gradients / world + (x.method === 'full' ? block : 0);
    optimizer /= world;
  }
  const tokens = x.maxSeqLen * x.microBatchSize * (x.sequencesPerExample ?? 1);
  const kv = s.kvHeads * s.headDim;
  // Elements saved per token per layer for backward: norms, q/k/v (+rotary), attention output, o_proj input,
  // residuals, gate/up/act/product, down input; LoRA adds its dropout'd inputs of the seven linears.
  let perTokenLayer = 9 * s.hidden + 3 * kv + 5 * s.intermediate;
  if (x.method !== 'full') perTokenLayer += 6 * s.hidden + s.intermediate;
  const layerActs = x.gradientCheckpointing
    ? tokens * s.hidden * act * s.layers + tokens * perTokenLayer * act // layer inputs + one layer recomputed
    : tokens * perTokenLayer * act * s.layers;
  // SDPA (the trainer's default) keeps no seq×seq matrix. Eager attention keeps the scores and probabilities per
  // head: Korthikanti et al.'s 5·a·s²·b bytes at 16 bit, i.e. 2.5 elements. Measured on the tiny model on CPU
  // with eager attention this term was most of a long step's memory (estimate 905 MiB vs 780 MiB measured).
  const scores = x.attention === 'eager' ? s.layers * s.heads * x.maxSeqLen * x.maxSeqLen * x.microBatchSize * 2.5 * act : 0;
  const logitRows = s.chunkedLoss ? Math.min(tokens, LOSS_CHUNK_ROWS) : tokens;
  const logits = logitRows * s.vocab * 4 * 3; // fp32 logits, log-softmax and their gradient
  // The peak comes either at the end of the forward pass (all saved activations plus the loss's logits) or in the
  // backward pass (the saved activations plus the gradients flowing back through one layer, about one layer's worth):
  // whichever is larger. Measured on the tiny model on CPU (run-estimate.test.ts): the chunked loss's few logits
  // are not the peak; the backward's are (estimate 221 MiB vs 216-260 MiB measured for an 8,192-token step).
  const backward = tokens * perTokenLayer * act;
  const activations = layerActs + scores + Math.max(logits, backward) + tokens * s.hidden * act * 2;
  const overhead = device === 'cuda' ? 600 * 2 ** 20 : 0; // CUDA context and allocator reserve
  const subtotal = weights + gradients + optimizer + activations;
  const total = subtotal * 1.1 + overhead; // fragmentation and temporaries
  return { parameters, trainable, weights, gradients, optimizer, activations, overhead: total - subtotal, total };
}

/**
 * Disk a run fills: each checkpoint holds what trains (fp32 weights) and its AdamW moments (8 bytes per trained
 * parameter), at most `keep` + 1 of them exist at once (the newest `keep` and the best by validation loss; 0 =
 * every one), and the output is the adapter or the whole model in fp32.
 */
export function diskBudget(b: { parameters: number; trainable: number }, x: { maxSteps: number; checkpointEvery: number; keepCheckpoints: number }) {
  const checkpointBytes = b.trainable * 12 + 64 * 1024; // + RNG, state and checksum files
  const made = x.checkpointEvery > 0 ? Math.ceil(x.maxSteps / x.checkpointEvery) : 1;
  const checkpoints = x.keepCheckpoints > 0 ? Math.min(made, x.keepCheckpoints + 1) : made;
  const outputBytes = b.trainable * 4;
  return { checkpointBytes, checkpoints, outputBytes, totalBytes: checkpointBytes * checkpoints + outputBytes };
}

/** FLOPs per trained token: 6N for full fine-tuning, 4N for (Q)LoRA (no weight gradients), +2N to recompute. */
export function flopsPerToken(parameters: number, method: Method, checkpointing: boolean): number {
  return (method === 'full' ? 6 : 4) * parameters + (checkpointing ? 2 * parameters : 0);
}

/** The largest parameter count whose memory fits `budget` with this method and per-parameter cost, same sequence shape. */
export function largestParametersThatFit(budget: number, b: MemoryBreakdown & { parameters: number }): number {
  const perParam = (b.weights + b.gradients + b.optimizer) / b.parameters;
  const fixed = b.activations + b.overhead;
  // Activations grow with the hidden size (about the square root of the parameter count) for a fixed shape.
  let lo = 0;
  let hi = 1e13;
  for (let i = 0; i < 80; i += 1) {
    const mid = (lo + hi) / 2;
    const need = mid * perParam + fixed * Math.sqrt(mid / b.parameters);
    if (need <= budget) lo = mid;
    else hi = mid;
  }
  return Math.floor(lo);
}
