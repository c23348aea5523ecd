import { z } from 'zod';
import { LatheError } from '../../shared/contract/errors.js';
import type { GenerationResult } from '../../shared/inference-contract.js';

/**
 * The parts of OpenAI's request bodies we honour, checked field by field before anything reads them: a body of the
 * wrong shape is a 400 that names the field, never a TypeError deep in a handler. Fields we do not use are ignored,
 * like most local servers do.
 */
const count = z.number().int().min(1).max(32_768);
const samplingShape = {
  max_tokens: count.nullish(),
  max_completion_tokens: count.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().min(0).nullish(),
  stop: z.union([z.string().max(200), z.array(z.string().max(200)).max(8)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  response_format: z
    .object({
      type: z.string(),
      json_schema: z.object({ schema: z.record(z.string(), z.unknown()).optional() }).nullish(),
    })
    .nullish(),
};
const contentSchema = z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().nullish() })), z.null()]);
const chatBodySchema = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.string(), content: contentSchema.optional() })).min(1),
  ...samplingShape,
});
const completionBodySchema = z.object({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string())]),
  ...samplingShape,
});
export type OpenAiSampling = z.infer<z.ZodObject<typeof samplingShape>>;
export type ChatBody = z.infer<typeof chatBodySchema>;
export type CompletionBody = z.infer<typeof completionBodySchema>;

/** Deeper than this is no OpenAI request; refusing it early keeps recursion (ours, zod's, the IPC's) bounded. */
export const MAX_JSON_DEPTH = 64;

export const parseChatBody = (value: unknown): ChatBody => parseBody(chatBodySchema, value);
export const parseCompletionBody = (value: unknown): CompletionBody => parseBody(completionBodySchema, value);

function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('The request body must be a JSON object.');
  if (jsonDepth(value) > MAX_JSON_DEPTH) throw bad(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
  throw bad(`Invalid request body — ${issues.join('; ')}.`);
}

/** Nesting depth of a parsed JSON value, without recursion (a hostile body may be a million brackets deep). */
function jsonDepth(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) max = depth;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return max;
}

const bad = (message: string) => new LatheError('INVALID_ARGUMENTS', message, 'Check the request body against the OpenAI API reference.');

export function samplingFrom(body: OpenAiSampling, defaultMax: number) {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? defaultMax;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 32_768) throw bad('max_tokens must be an integer from 1 to 32768.');
  const temperature = body.temperature ?? 1;
  if (typeof temperature !== 'number' || temperature < 0 || temperature > 2) throw bad('temperature must be between 0 and 2.');
  const stop = body.stop == null ? [] : Array.isArray(body.stop) ? body.stop : [body.stop];
  const format = body.response_format;
  const jsonSchema = format?.type === 'json_schema' ? format.json_schema?.schema : format?.type === 'json_object' ? { type: 'object' } : undefined;
  return {
    maxTokens,
    temperature,
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    seed: body.seed ?? Math.floor(Math.random() * 2 ** 31),
    ...(stop.length ? { stop: stop.filter((s) => s.length > 0).slice(0, 8) } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
  };
}

/** OpenAI's message list → our system prompt, earlier turns and the new user message. */
export function splitMessages(messages: ChatBody['messages']) {
  if (!Array.isArray(messages) || messages.length === 0) throw bad('messages must be a non-empty array.');
  const text = (c: ChatBody['messages'][number]['content']) => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('') : '');
  const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => text(m.content)).join('\n\n');
  const turns = messages.filter((m) => m.role === 'user' || m.role === 'assistant').map((m) => ({ role: m.role as 'user' | 'assistant', content: text(m.content) }));
  const last = turns.pop();
  if (!last || last.role !== 'user' || !last.content) throw bad('The last message must be a non-empty user message.');
  return { system, history: turns, prompt: last.content };
}

export const finishReason = (r: Pick<GenerationResult, 'stopReason'>) => (r.stopReason === 'maxTokens' ? 'length' : 'stop');
export const usage = (r: GenerationResult) => ({ prompt_tokens: r.promptTokens, completion_tokens: r.tokens, total_tokens: r.promptTokens + r.tokens });

export function errorBody(status: number, message: string, code: string) {
  const type = status === 401 ? 'invalid_request_error' : status === 404 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, code, param: null } };
}
