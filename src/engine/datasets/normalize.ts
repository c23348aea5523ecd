import type { ColumnMapping, ExampleContent, TaskFormat } from '../../shared/contract/features/datasets.js';

/** A row that cannot become an example; the message completes "line 12: …". */
export class RowProblem extends Error {}

const CHAT_ROLES: Record<string, 'system' | 'user' | 'assistant'> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  model: 'assistant',
  bot: 'assistant',
};

/** Proposes a task format and field mapping from one record's field names (JSON keys or CSV headers). */
export function detectFormat(fields: string[]): { format: TaskFormat; mapping: ColumnMapping } | null {
  const lower = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const pick = (...names: string[]) => names.map((n) => lower.get(n)).find((f) => f !== undefined);
  const system = pick('system', 'system_prompt');
  const withSystem = (m: ColumnMapping): ColumnMapping => (system ? { ...m, system } : m);
  const messages = pick('messages');
  if (messages) return { format: 'openai-chat', mapping: { messages } };
  const conversations = pick('conversations', 'conversation');
  if (conversations) return { format: 'sharegpt', mapping: { messages: conversations } };
  const instruction = pick('instruction');
  const output = pick('output', 'response');
  if (instruction && output) {
    const input = pick('input', 'context');
    return { format: 'alpaca', mapping: withSystem({ instruction, output, ...(input ? { input } : {}) }) };
  }
  const prompt = pick('prompt', 'question', 'query');
  const completion = pick('completion', 'answer', 'response', 'output');
  if (prompt && completion) return { format: 'prompt-completion', mapping: withSystem({ prompt, completion }) };
  const text = pick('text', 'content', 'body');
  if (text) return { format: 'text', mapping: { text } };
  return null;
}

/** Turns one source record into the canonical example, or throws a RowProblem that says what is wrong. */
export function normalizeRecord(record: unknown, format: TaskFormat, mapping: ColumnMapping): ExampleContent {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new RowProblem(`expected a JSON object, got ${describe(record)}`);
  }
  const r = record as Record<string, unknown>;
  switch (format) {
    case 'openai-chat':
    case 'sharegpt':
      return chat(parseMaybeJson(r[mapping.messages ?? 'messages'], mapping.messages ?? 'messages'), format);
    case 'alpaca': {
      const instruction = requiredText(r, mapping.instruction ?? 'instruction');
      const input = optionalText(r, mapping.input);
      return withSystem(r, mapping, [
        { role: 'user', content: input ? `${instruction}\n\n${input}` : instruction },
        { role: 'assistant', content: requiredText(r, mapping.output ?? 'output') },
      ]);
    }
    case 'prompt-completion':
      return withSystem(r, mapping, [
        { role: 'user', content: requiredText(r, mapping.prompt ?? 'prompt') },
        { role: 'assistant', content: requiredText(r, mapping.completion ?? 'completion') },
      ]);
    case 'text':
      return { kind: 'text', text: requiredText(r, mapping.text ?? 'text') };
  }
}

function withSystem(r: Record<string, unknown>, mapping: ColumnMapping, turns: Array<{ role: 'user' | 'assistant'; content: string }>): ExampleContent {
  const system = optionalText(r, mapping.system);
  return { kind: 'chat', messages: system ? [{ role: 'system', content: system }, ...turns] : turns };
}

function chat(value: unknown, format: TaskFormat): ExampleContent {
  if (!Array.isArray(value) || value.length === 0) throw new RowProblem(`expected a non-empty list of messages, got ${describe(value)}`);
  const messages = value.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new RowProblem(`message ${i + 1} is ${describe(m)}, not an object`);
    const o = m as Record<string, unknown>;
    const rawRole = String(format === 'sharegpt' ? (o.from ?? o.role ?? '') : (o.role ?? o.from ?? '')).toLowerCase();
    const role = CHAT_ROLES[rawRole];
    if (!role) throw new RowProblem(`message ${i + 1} has role "${rawRole}"; expected system, user or assistant`);
    const content = messageText(format === 'sharegpt' ? (o.value ?? o.content) : (o.content ?? o.value));
    if (content === null) throw new RowProblem(`message ${i + 1} has no text content`);
    return { role, content };
  });
  if (!messages.some((m) => m.role === 'assistant' && m.content.trim())) {
    throw new RowProblem('has no non-empty assistant message to learn from');
  }
  if (!messages.some((m) => m.role === 'user')) throw new RowProblem('has no user message');
  return { kind: 'chat', messages };
}

/** OpenAI content may be a string or a list of parts; only text parts are kept. */
function messageText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content.filter((p): p is { type: string; text: string } => typeof p === 'object' && p !== null && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string');
    return parts.length ? parts.map((p) => p.text).join('\n') : null;
  }
  return null;
}

function parseMaybeJson(value: unknown, field: string): unknown {
  if (value === undefined || value === null) throw new RowProblem(`is missing field "${field}"`);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new RowProblem(`field "${field}" holds text that is not a JSON list of messages`);
  }
}

function requiredText(r: Record<string, unknown>, field: string): string {
  const v = r[field];
  if (v === undefined || v === null) throw new RowProblem(`is missing field "${field}"`);
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
  if (s === null) throw new RowProblem(`field "${field}" is ${describe(v)}, expected text`);
  if (!s.trim()) throw new RowProblem(`field "${field}" is empty`);
  return s;
}

function optionalText(r: Record<string, unknown>, field: string | undefined): string | null {
  if (!field) return null;
  const v = r[field];
  return typeof v === 'string' && v.trim() ? v : null;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `text "${value.slice(0, 20)}${value.length > 20 ? '…' : ''}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
