import { z } from 'zod';
import { handler } from '../define.js';

/** A chat target: a registered GGUF model with zero or more registered GGUF LoRA adapters. */
export const chatTargetSchema = z.object({
  modelId: z.string().min(1),
  adapterIds: z.array(z.string().min(1)).max(4).default([]),
});
export type ChatTarget = z.input<typeof chatTargetSchema>;

export const playgroundSettingsSchema = z.object({
  maxTokens: z.number().int().min(1).max(32_768).default(256),
  temperature: z.number().min(0).max(5).default(0.7),
  topP: z.number().gt(0).max(1).default(0.95),
  topK: z.number().int().min(0).max(1000).default(40),
  minP: z.number().min(0).max(1).default(0.05),
  repeatPenalty: z.number().min(0.5).max(3).default(1.1),
  seed: z.number().int().min(0).default(0),
  stop: z.array(z.string().min(1).max(200)).max(8).default([]),
  jsonSchema: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type PlaygroundSettings = z.output<typeof playgroundSettingsSchema>;

export const generationStatsSchema = z.object({
  tokens: z.number().int(),
  promptTokens: z.number().int(),
  tokensPerSecond: z.number(),
  timeToFirstTokenMs: z.number(),
  stopReason: z.string(),
});
export type GenerationStats = z.infer<typeof generationStatsSchema>;

export const playgroundMessageSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  /** null for the user's messages, which both lanes share; 0 or 1 for answers. */
  lane: z.number().int().nullable(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  modelId: z.string().nullable(),
  adapterIds: z.array(z.string()),
  stats: generationStatsSchema.nullable(),
  correctedVersionId: z.string().nullable(),
  createdAt: z.string(),
});
export type PlaygroundMessage = z.infer<typeof playgroundMessageSchema>;

export const conversationSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  mode: z.enum(['single', 'side-by-side']),
  system: z.string(),
  settings: playgroundSettingsSchema,
  targets: z.array(z.object({ modelId: z.string(), adapterIds: z.array(z.string()) })),
  messageCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const chatModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['gguf', 'gguf-lora']),
  path: z.string(),
  sizeBytes: z.number(),
  quantization: z.string().nullable(),
  /** For an adapter: the GGUF base it was converted against, when the registry links it. */
  baseModelId: z.string().nullable(),
});
export type ChatModel = z.infer<typeof chatModelSchema>;

const errorSchema = z.object({ code: z.string(), message: z.string(), hint: z.string() });

export const playgroundHandlers = {
  'playground.models': handler({
    summary: 'Registered models the playground can chat with: GGUF models and GGUF LoRA adapters.',
    args: z.object({}).strict(),
    result: z.object({ models: z.array(chatModelSchema) }),
    writes: false,
  }),
  'playground.chat': handler({
    summary: 'Sends a user message to one model (or two, side by side), streaming each answer as playground.token events.',
    args: z
      .object({
        requestId: z.string().min(1).max(100),
        conversationId: z.string().nullable().default(null),
        targets: z.array(chatTargetSchema).min(1).max(2),
        system: z.string().max(20_000).default(''),
        settings: playgroundSettingsSchema.default(playgroundSettingsSchema.parse({})),
        content: z.string().trim().min(1, 'Type a message first.').max(200_000),
      })
      .strict(),
    result: z.object({
      conversationId: z.string(),
      userMessage: playgroundMessageSchema,
      answers: z.array(z.object({ lane: z.number().int(), message: playgroundMessageSchema.nullable(), error: errorSchema.nullable() })),
    }),
    writes: true,
  }),
  'playground.cancel': handler({
    summary: 'Stops the answers of a running playground.chat; what was generated so far is kept.',
    args: z.object({ requestId: z.string().min(1) }).strict(),
    result: z.object({ cancelled: z.boolean() }),
    writes: false,
  }),
  'playground.conversations': handler({
    summary: 'Saved conversations, newest first.',
    args: z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: z.object({ conversations: z.array(conversationSummarySchema) }),
    writes: false,
  }),
  'playground.conversation': handler({
    summary: 'One conversation with all its messages.',
    args: z.object({ conversationId: z.string().min(1) }).strict(),
    result: z.object({ conversation: conversationSummarySchema, messages: z.array(playgroundMessageSchema) }),
    writes: false,
  }),
  'playground.deleteConversation': handler({
    summary: 'Deletes a conversation and its messages (dataset versions made from its corrections stay).',
    args: z.object({ conversationId: z.string().min(1) }).strict(),
    result: z.object({ deleted: z.boolean() }),
    writes: true,
  }),
  'playground.saveCorrection': handler({
    summary: 'Saves a corrected answer as a chat example in a new version of a dataset, with an audit entry.',
    args: z
      .object({
        conversationId: z.string().min(1),
        messageId: z.string().min(1),
        correctedText: z.string().trim().min(1, 'The corrected answer is empty.').max(200_000),
        datasetId: z.string().min(1),
      })
      .strict(),
    result: z.object({ datasetId: z.string(), datasetName: z.string(), versionId: z.string(), versionNumber: z.number().int(), exampleCount: z.number().int() }),
    writes: true,
  }),
  'playground.unload': handler({
    summary: 'Frees every model the inference host holds.',
    args: z.object({}).strict(),
    result: z.object({ unloaded: z.number().int() }),
    writes: false,
  }),
};

export const playgroundEventSchemas = {
  'playground.token': z.object({ requestId: z.string(), lane: z.number().int(), text: z.string() }),
  'playground.answer': z.object({ requestId: z.string(), lane: z.number().int(), message: playgroundMessageSchema }),
  /** An answer failed (model missing, inference host crashed, …); the other lane and the database are fine. */
  'playground.error': z.object({ requestId: z.string(), lane: z.number().int(), error: errorSchema }),
};
