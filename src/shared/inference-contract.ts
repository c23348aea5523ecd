import { z } from 'zod';
import { handler } from './contract/define.js';

/**
 * The engine ↔ inference-host contract. Internal: the renderer never talks to the inference host directly.
 * Same frames and transports as the UI contract.
 */
export const llamaBackendSchema = z.enum(['cuda', 'vulkan', 'metal', 'cpu']);
export type LlamaBackend = z.infer<typeof llamaBackendSchema>;

export const inferenceProbeSchema = z.object({
  backend: llamaBackendSchema,
  gpuNames: z.array(z.string()),
  vramBytes: z.number().nullable(),
  cpuThreads: z.number().int(),
  nodeLlamaCppVersion: z.string(),
});
export type InferenceProbe = z.infer<typeof inferenceProbeSchema>;

export const generationResultSchema = z.object({
  text: z.string(),
  /** Generated tokens. */
  tokens: z.number().int(),
  /** Tokens of the prompt as the chat template rendered it (0 when unknown). */
  promptTokens: z.number().int().default(0),
  tokensPerSecond: z.number(),
  timeToFirstTokenMs: z.number(),
  /** 'eogToken' | 'maxTokens' | 'customStopTrigger' | 'abort' | …, as llama.cpp reports it. */
  stopReason: z.string(),
});
export type GenerationResult = z.infer<typeof generationResultSchema>;

export const adapterRefSchema = z.object({ path: z.string().min(1), scale: z.number().min(-4).max(4).default(1) });
export type AdapterRef = z.input<typeof adapterRefSchema>;

/** Sampling and stopping; every field optional so callers pass only what the user changed. */
export const samplingSchema = z.object({
  maxTokens: z.number().int().min(1).max(32_768).default(128),
  temperature: z.number().min(0).max(5).default(0),
  topP: z.number().gt(0).max(1).optional(),
  topK: z.number().int().min(0).max(1000).optional(),
  minP: z.number().min(0).max(1).optional(),
  repeatPenalty: z.number().min(0.5).max(3).optional(),
  seed: z.number().int().min(0).default(0),
  stop: z.array(z.string().min(1).max(200)).max(8).optional(),
  /** A JSON schema the answer must satisfy (llama.cpp grammar). */
  jsonSchema: z.record(z.string(), z.unknown()).optional(),
});
export type Sampling = z.input<typeof samplingSchema>;

export const historyMessageSchema = z.object({ role: z.enum(['user', 'assistant']), content: z.string() });

const target = {
  requestId: z.string().min(1),
  modelPath: z.string().min(1),
  adapters: z.array(adapterRefSchema).max(4).default([]),
};

export const inferenceHandlerSpecs = {
  'inference.probe': handler({
    summary: 'Which llama.cpp backend loaded, and the GPUs it sees.',
    args: z.object({}).strict(),
    result: inferenceProbeSchema,
    writes: false,
  }),
  'inference.chat': handler({
    summary: 'Answers the last user message with the model’s own chat template (with LoRA adapters), streaming tokens.',
    args: z
      .object({
        ...target,
        system: z.string().max(20_000).optional(),
        /** Earlier turns, oldest first; `prompt` is the new user message. */
        history: z.array(historyMessageSchema).max(500).default([]),
        prompt: z.string().min(1).max(200_000),
        ...samplingSchema.shape,
      })
      .strict(),
    result: generationResultSchema,
    writes: false,
  }),
  'inference.chatBatch': handler({
    summary: 'Answers many independent prompts on parallel sequences of one context (batched decoding); results in order.',
    args: z
      .object({
        requestId: target.requestId,
        modelPath: target.modelPath,
        adapters: target.adapters,
        items: z.array(z.object({ system: z.string().max(20_000).optional(), prompt: z.string().min(1).max(200_000), seed: z.number().int().min(0) })).min(1).max(256),
        parallel: z.number().int().min(1).max(64).default(4),
        sequenceTokens: z.number().int().min(64).max(131_072).default(2048),
        ...samplingSchema.omit({ seed: true }).shape,
      })
      .strict(),
    result: z.object({ results: z.array(generationResultSchema) }),
    writes: false,
  }),
  'inference.complete': handler({
    summary: 'Continues raw text with no chat template (OpenAI /v1/completions), streaming tokens.',
    args: z.object({ ...target, prompt: z.string().min(1).max(200_000), ...samplingSchema.shape }).strict(),
    result: generationResultSchema,
    writes: false,
  }),
  'inference.cancel': handler({
    summary: 'Stops a running generation; it then returns what it had with stopReason "abort".',
    args: z.object({ requestId: z.string().min(1) }).strict(),
    result: z.object({ cancelled: z.boolean() }),
    writes: false,
  }),
  'inference.status': handler({
    summary: 'The resident model set and the memory budget it lives in.',
    args: z.object({}).strict(),
    result: z.object({
      budgetBytes: z.number(),
      usedBytes: z.number(),
      models: z.array(z.object({ modelPath: z.string(), adapters: z.array(z.string()), bytes: z.number(), gpuLayers: z.number().int(), contextSize: z.number().int(), lastUsed: z.number() })),
    }),
    writes: false,
  }),
  'inference.bench': handler({
    summary: 'Measures prompt processing and generation tokens/s the way llama-bench does (pp N, tg N).',
    args: z
      .object({
        modelPath: z.string().min(1),
        promptTokens: z.number().int().min(1).max(8192).default(128),
        genTokens: z.number().int().min(1).max(4096).default(64),
        repetitions: z.number().int().min(1).max(20).default(3),
        threads: z.number().int().min(1).optional(),
        contextSize: z.number().int().min(64).optional(),
      })
      .strict(),
    result: z.object({
      ppTokensPerSecond: z.number(),
      tgTokensPerSecond: z.number(),
      /** Generation the way a chat request runs it (LlamaCompletion, detokenising, streamed events). */
      chatTgTokensPerSecond: z.number(),
      threads: z.number().int(),
      contextSize: z.number().int(),
      /** The CPU backend variant the inference host loaded ("haswell", "sapphirerapids", …) and llama.cpp's system info. */
      cpuVariant: z.string(),
      systemInfo: z.string(),
    }),
    writes: false,
  }),
  'inference.logprobs': handler({
    summary: 'Evaluates token ids as given (no template, no BOS added) and returns, per asked position, the greedy next token and the log-probabilities of the asked token ids; optionally tokenises a text with the model’s own vocabulary.',
    args: z
      .object({
        modelPath: z.string().min(1),
        tokens: z.array(z.number().int().min(0)).min(1).max(8192),
        positions: z.array(z.object({ index: z.number().int().min(0), tokens: z.array(z.number().int().min(0)).max(256) })).max(8192),
        /** Tokenised with special tokens parsed and nothing added, to compare with the source tokenizer's ids. */
        text: z.string().max(200_000).optional(),
      })
      .strict(),
    result: z.object({
      positions: z.array(z.object({ index: z.number().int(), argmax: z.number().int(), logprobs: z.array(z.number()) })),
      textTokens: z.array(z.number().int()).nullable(),
      vocabSize: z.number().int(),
    }),
    writes: false,
  }),
  'inference.unloadAll': handler({
    summary: 'Frees every loaded model.',
    args: z.object({}).strict(),
    result: z.object({ unloaded: z.number().int() }),
    writes: false,
  }),
};

export const inferenceEventSchemas = {
  'inference.token': z.object({ requestId: z.string(), text: z.string() }),
};

export type InferenceHandlerSpecs = typeof inferenceHandlerSpecs;
export type InferenceEventSchemas = typeof inferenceEventSchemas;
