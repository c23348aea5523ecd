import type { ColumnMapping, ExampleContent, ExampleMessage, TaskFormat } from '../../shared/contract/features/datasets.js';
import { checkConversation, describe, extraOf, optionalText, requiredText, RowProblem, toMessages, toTools, withSystem } from './normalize-messages.js';
import { toKto, toPreference } from './normalize-preference.js';

export { describe, RowProblem } from './normalize-messages.js';

/**
 * Proposes a task format and field mapping from one record's field names (JSON keys or CSV headers). Preference
 * and KTO shapes are tried first: they also carry the fields a chat or prompt/completion file has.
 */
export function detectFormat(fields: string[]): { format: TaskFormat; mapping: ColumnMapping } | null {
  const lower = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const pick = (...names: string[]) => names.map((n) => lower.get(n)).find((f) => f !== undefined);
  const system = pick('system', 'system_prompt');
  const tools = pick('tools', 'functions');
  const with_ = (m: ColumnMapping): ColumnMapping => ({ ...m, ...(system ? { system } : {}), ...(tools ? { tools } : {}) });
  const messages = pick('messages', 'conversations', 'conversation', 'input');
  const prompt = pick('prompt', 'question', 'query', 'instruction');

  const chosen = pick('chosen', 'preferred_output');
  const rejected = pick('rejected', 'non_preferred_output');
  if (chosen && rejected) {
    // OpenAI preference files: {input: {messages, tools}, preferred_output, non_preferred_output}.
    const promptInput = pick('input', 'context');
    const promptSide = prompt ? { prompt, ...(promptInput ? { input: promptInput } : {}) } : messages ? { messages } : {};
    return { format: 'preference', mapping: with_({ ...promptSide, chosen, rejected }) };
  }
  const label = pick('label', 'kto_tag', 'desirable');
  const completion = pick('completion', 'answer', 'response', 'output');
  if (label && (messages || (prompt && completion))) {
    return { format: 'kto', mapping: with_(messages ? { messages, label } : { prompt: prompt!, completion: completion!, label }) };
  }
  const chat = pick('messages');
  if (chat) return { format: 'openai-chat', mapping: with_({ messages: chat }) };
  const conversations = pick('conversations', 'conversation');
  if (conversations) return { format: 'sharegpt', mapping: with_({ messages: conversations }) };
  const instruction = pick('instruction');
  const output = pick('output', 'response');
  const input = pick('input', 'context');
  if (instruction && output) return { format: 'alpaca', mapping: with_({ instruction, output, ...(input ? { input } : {}) }) };
  const question = pick('prompt', 'question', 'query');
  if (question && completion) return { format: 'prompt-completion', mapping: with_({ prompt: question, completion }) };
  const text = pick('text', 'content', 'body');
  if (text) return { format: 'text', mapping: { text } };
  return null;
}

/** The source fields a mapping reads; every other field of a record is kept verbatim in the example's `extra`. */
export function usedFields(format: TaskFormat, mapping: ColumnMapping): Set<string> {
  const defaults: Record<TaskFormat, string[]> = {
    'openai-chat': ['messages'],
    sharegpt: ['messages'],
    alpaca: ['instruction', 'output'],
    'prompt-completion': ['prompt', 'completion'],
    text: ['text'],
    preference: ['chosen', 'rejected'],
    kto: ['label'],
  };
  const mapped = Object.values(mapping).filter((v): v is string => typeof v === 'string');
  return new Set(mapped.length ? (format === 'text' ? [mapping.text ?? 'text'] : mapped) : defaults[format]);
}

// The import passes one mapping object for every row: its used fields are worked out once, not per row.
const usedByMapping = new WeakMap<ColumnMapping, Map<TaskFormat, Set<string>>>();
function usedFieldsOnce(format: TaskFormat, mapping: ColumnMapping): Set<string> {
  let byFormat = usedByMapping.get(mapping);
  if (!byFormat) usedByMapping.set(mapping, (byFormat = new Map()));
  let used = byFormat.get(format);
  if (!used) byFormat.set(format, (used = usedFields(format, mapping)));
  return used;
}

/** Turns one source record into the canonical example, or throws a RowProblem that says what is wrong. */
export function normalizeRecord(record: unknown, format: TaskFormat, mapping: ColumnMapping): ExampleContent {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new RowProblem(`expected a JSON object, got ${describe(record)}`);
  }
  const r = record as Record<string, unknown>;
  const extra = extraOf(r, usedFieldsOnce(format, mapping));
  const withExtra = <T extends ExampleContent>(c: T): T => (extra ? { ...c, extra } : c);
  switch (format) {
    case 'openai-chat':
    case 'sharegpt': {
      const field = mapping.messages ?? 'messages';
      if (r[field] === undefined || r[field] === null) throw new RowProblem(`is missing field "${field}"`);
      const messages = withSystem(r, mapping, toMessages(r[field], 'messages'));
      checkConversation(messages);
      return withExtra(chatExample(messages, toTools(mapping.tools ? r[mapping.tools] : undefined)));
    }
    case 'alpaca': {
      const instruction = requiredText(r, mapping.instruction ?? 'instruction');
      const input = optionalText(r, mapping.input);
      return withExtra(chatExample(withSystem(r, mapping, [
        { role: 'user', content: input ? `${instruction}\n\n${input}` : instruction },
        { role: 'assistant', content: requiredText(r, mapping.output ?? 'output') },
      ]), toTools(mapping.tools ? r[mapping.tools] : undefined)));
    }
    case 'prompt-completion':
      return withExtra(chatExample(withSystem(r, mapping, [
        { role: 'user', content: requiredText(r, mapping.prompt ?? 'prompt') },
        { role: 'assistant', content: requiredText(r, mapping.completion ?? 'completion') },
      ]), toTools(mapping.tools ? r[mapping.tools] : undefined)));
    case 'text':
      return withExtra({ kind: 'text', text: requiredText(r, mapping.text ?? 'text') });
    case 'preference':
      return withExtra(toPreference(r, mapping));
    case 'kto':
      return withExtra(toKto(r, mapping));
  }
}

function chatExample(messages: ExampleMessage[], tools: Array<Record<string, unknown>> | undefined): ExampleContent {
  return tools ? { kind: 'chat', messages, tools } : { kind: 'chat', messages };
}
