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
  tokens: z.number().int(),
  tokensPerSecond: z.number(),
  timeToFirstTokenMs: z.number(),
  stopReason: z.string(),
});
export type GenerationResult = z.infer<typeof generationResultSchema>;

export const inferenceHandlerSpecs = {
  'inference.probe': handler({
    summary: 'Which llama.cpp backend loaded, and the GPUs it sees.',
    args: z.object({}).strict(),
    result: inferenceProbeSchema,
    writes: false,
  }),
  'inference.chat': handler({
    summary: 'Loads a GGUF (cached) and answers one user message with its own chat template, streaming tokens.',
    args: z
      .object({
        requestId: z.string().min(1),
        modelPath: z.string().min(1),
        system: z.string().max(20_000).optional(),
        prompt: z.string().min(1).max(200_000),
        maxTokens: z.number().int().min(1).max(32_768).default(128),
        temperature: z.number().min(0).max(5).default(0),
        seed: z.number().int().min(0).default(0),
      })
      .strict(),
    result: generationResultSchema,
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
