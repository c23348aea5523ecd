import { LatheError } from '../../shared/contract/errors.js';
import type { GenerationResult } from '../../shared/inference-contract.js';

/** The parts of OpenAI's request bodies we honour; anything else is ignored, like most local servers do. */
export interface OpenAiSampling {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  response_format?: { type: string; json_schema?: { schema?: Record<string, unknown> } } | null;
}
export interface ChatBody extends OpenAiSampling {
  model: string;
  messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> | null }>;
}
export interface CompletionBody extends OpenAiSampling {
  model: string;
  prompt: string | string[];
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
