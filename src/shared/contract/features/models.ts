import { z } from 'zod';
import { handler } from '../define.js';

export const modelKindSchema = z.enum(['base', 'adapter', 'merged', 'gguf', 'gguf-lora']);
export const modelFormatSchema = z.enum(['hf', 'gguf', 'peft']);
/** Output types of a conversion: converter outtypes, then llama-quantize k-quants. */
export const GGUF_OUTTYPES = ['F16', 'BF16', 'Q8_0', 'Q4_K_M', 'Q5_K_M', 'Q6_K'] as const;
export const ggufOuttypeSchema = z.enum(GGUF_OUTTYPES);
export type GgufOuttype = z.infer<typeof ggufOuttypeSchema>;

export const modelSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: modelKindSchema,
  format: modelFormatSchema,
  path: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int(),
  architecture: z.string().nullable(),
  parameters: z.number().int().nullable(),
  contextLength: z.number().int().nullable(),
  quantization: z.string().nullable(),
  chatTemplate: z.string().nullable(),
  license: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  parentId: z.string().nullable(),
  runId: z.string().nullable(),
  copied: z.boolean(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

export const modelInspectionSchema = z.object({
  path: z.string(),
  kind: modelKindSchema,
  format: modelFormatSchema,
  name: z.string(),
  architecture: z.string().nullable(),
  parameters: z.number().int().nullable(),
  contextLength: z.number().int().nullable(),
  quantization: z.string().nullable(),
  chatTemplate: z.string().nullable(),
  license: z.string().nullable(),
  sizeBytes: z.number().int(),
  files: z.array(z.string()),
  warnings: z.array(z.string()),
  details: z.record(z.string(), z.unknown()),
});
export type ModelInspection = z.infer<typeof modelInspectionSchema>;

export const modelHandlers = {
  'models.list': handler({
    summary: 'Every registered model, adapter and conversion, newest first.',
    args: z.object({}).strict(),
    result: z.object({ models: z.array(modelSummarySchema) }),
    writes: false,
  }),
  'models.get': handler({
    summary: 'One model with its parent and the conversions/adapters made from it.',
    args: z.object({ modelId: z.string().min(1) }).strict(),
    result: z.object({ model: modelSummarySchema, parent: modelSummarySchema.nullable(), children: z.array(modelSummarySchema) }),
    writes: false,
  }),
  'models.inspect': handler({
    summary: 'Dry run: reads a model folder or GGUF (headers only, validated) and says what an import would register.',
    args: z.object({ path: z.string().min(1) }).strict(),
    result: modelInspectionSchema,
    writes: false,
  }),
  'models.import': handler({
    summary: 'Registers an HF safetensors folder, a PEFT adapter folder or a GGUF file: validates, hashes with progress, optionally copies.',
    args: z
      .object({
        path: z.string().min(1),
        name: z.string().trim().min(1).max(200).optional(),
        /** false: the row references the files where they are; true: they are copied into <data>/models/. */
        copy: z.boolean().default(false),
        /** The base model an adapter (or a GGUF conversion made elsewhere) belongs to. */
        parentId: z.string().min(1).optional(),
        runId: z.string().min(1).optional(),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    result: z.object({ model: modelSummarySchema, alreadyRegistered: z.boolean() }),
    writes: true,
  }),
  'models.convert': handler({
    summary: 'Converts an HF model to GGUF (F16/BF16/Q8_0, k-quants via llama-quantize) or a PEFT adapter to a GGUF LoRA; registers the output.',
    args: z
      .object({
        modelId: z.string().min(1),
        outtype: ggufOuttypeSchema.default('F16'),
        jobId: z.string().min(1).max(100).optional(),
      })
      .strict(),
    result: z.object({ model: modelSummarySchema }),
    writes: true,
  }),
};
