import { createHash } from 'node:crypto';
import { LatheError } from '../../shared/contract/errors.js';
import type { ChatMessage } from '../../shared/contract/features/datasets.js';

export type TemplateKind = 'qa' | 'summary' | 'extraction' | 'classification' | 'chat';

/** What a user may change: the words sent to the teacher. The output schema stays fixed per kind, so every result parses. */
export interface TemplateText {
  kind: TemplateKind;
  system: string;
  /** Must contain {{chunk}}; classification may use {{labels}}. */
  prompt: string;
  labels?: string[];
}

export interface ResolvedTemplate extends TemplateText {
  /** "builtin:qa@1" for a default, "custom:qa:<12 hex>" for edited text: recorded with each example. */
  version: string;
  jsonSchema: Record<string, unknown>;
}

const BUILTIN_VERSION = 1;

/** Good defaults, written for small local teachers: short, one task, the answer must come from the passage. */
export const DEFAULT_TEMPLATES: Record<TemplateKind, TemplateText> = {
  qa: {
    kind: 'qa',
    system: 'You write training data for a domain assistant. Use only facts stated in the passage.',
    prompt: 'Passage:\n"""\n{{chunk}}\n"""\nWrite one question a user might ask about this passage and its answer, using the passage\'s own words. Reply as JSON {"question": ..., "answer": ...}.',
  },
  summary: {
    kind: 'summary',
    system: 'You summarise documents faithfully. Never add facts that are not in the text.',
    prompt: 'Summarise this passage in two or three sentences, keeping its key terms:\n"""\n{{chunk}}\n"""\nReply as JSON {"summary": ...}.',
  },
  extraction: {
    kind: 'extraction',
    system: 'You extract facts from documents exactly as written.',
    prompt: 'List the key facts of this passage as short field/value pairs, copying values from the text:\n"""\n{{chunk}}\n"""\nReply as JSON {"facts": [{"field": ..., "value": ...}]}.',
  },
  classification: {
    kind: 'classification',
    system: 'You label documents. Pick exactly one label and quote the sentence that justifies it.',
    prompt: 'Labels: {{labels}}\nPassage:\n"""\n{{chunk}}\n"""\nReply as JSON {"label": ..., "evidence": "<a sentence copied from the passage>"}.',
    labels: ['policy', 'procedure', 'report', 'other'],
  },
  chat: {
    kind: 'chat',
    system: 'You write training conversations for a domain assistant. Every answer uses only facts stated in the passage.',
    prompt: 'Passage:\n"""\n{{chunk}}\n"""\nWrite a short conversation of two or three turns: a user asks about this passage, the assistant answers from it, and the user follows up. Reply as JSON {"turns": [{"user": ..., "assistant": ...}, ...]}.',
  },
};

/** A chat example has 2-3 turns (a user message and an assistant answer each). */
const CHAT_TURNS = { min: 2, max: 3 };

/**
 * The output schema of a kind. String lengths are bounded by the token budget so the JSON always closes before
 * maxTokens: a token emits at least one character, and an escape can double a character, hence the factor 2.
 */
export function schemaFor(t: TemplateText, maxTokens = 4096): Record<string, unknown> {
  const object = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false });
  const fieldCount = { qa: 2, summary: 1, extraction: 16, classification: 1, chat: CHAT_TURNS.max * 2 }[t.kind];
  const overhead = JSON_OVERHEAD_TOKENS + (t.kind === 'extraction' ? 8 * 24 : 0) + (t.kind === 'chat' ? CHAT_TURNS.max * 24 : 0);
  const budget = Math.max(4, Math.floor((maxTokens - overhead) / (2 * fieldCount)));
  const str = (cap: number) => ({ type: 'string', minLength: 1, maxLength: Math.min(cap, budget) });
  switch (t.kind) {
    case 'qa': return object({ question: str(400), answer: str(1200) });
    case 'summary': return object({ summary: str(1500) });
    case 'extraction': return object({ facts: { type: 'array', minItems: 1, maxItems: 8, items: object({ field: str(80), value: str(300) }) } });
    case 'classification': return object({ label: { enum: t.labels ?? DEFAULT_TEMPLATES.classification.labels }, evidence: str(600) });
    case 'chat': return object({ turns: { type: 'array', minItems: CHAT_TURNS.min, maxItems: CHAT_TURNS.max, items: object({ user: str(400), assistant: str(800) }) } });
  }
}

/** Keys, quotes, braces and the separators the grammar may add, in the worst case of one character per token. */
const JSON_OVERHEAD_TOKENS = 48;

/** The default for a kind, or the user's edited text; refuses a prompt that would never see the chunk. */
export function resolveTemplate(input: Partial<TemplateText> & { kind: TemplateKind }): ResolvedTemplate {
  const base = DEFAULT_TEMPLATES[input.kind];
  if (!base) throw new LatheError('INVALID_ARGUMENTS', `There is no template kind "${input.kind}".`, 'Pick qa, chat, summary, extraction or classification.');
  const t: TemplateText = { kind: input.kind, system: input.system ?? base.system, prompt: input.prompt ?? base.prompt, ...(input.kind === 'classification' ? { labels: input.labels ?? base.labels } : {}) };
  if (!t.prompt.includes('{{chunk}}')) {
    throw new LatheError('INVALID_ARGUMENTS', 'The prompt template does not contain {{chunk}}, so the teacher would never see the document.', 'Put {{chunk}} where the passage should go.');
  }
  if (t.kind === 'classification' && (!t.labels || t.labels.length < 2)) {
    throw new LatheError('INVALID_ARGUMENTS', 'A classification template needs at least two labels.', 'List the labels, for example "policy, procedure, other".');
  }
  const edited = t.system !== base.system || t.prompt !== base.prompt || JSON.stringify(t.labels) !== JSON.stringify(base.labels);
  const version = edited
    ? `custom:${t.kind}:${createHash('sha256').update(JSON.stringify([t.system, t.prompt, t.labels ?? null])).digest('hex').slice(0, 12)}`
    : `builtin:${t.kind}@${BUILTIN_VERSION}`;
  return { ...t, version, jsonSchema: schemaFor(t) };
}

/** The template's schema for one request's token budget. */
export function schemaWithin(t: ResolvedTemplate, maxTokens: number): Record<string, unknown> {
  return schemaFor(t, maxTokens);
}

export function renderPrompt(t: ResolvedTemplate, chunk: string): string {
  return t.prompt.replaceAll('{{labels}}', (t.labels ?? []).join(', ')).replaceAll('{{chunk}}', chunk);
}

export interface Generated {
  messages: ChatMessage[];
  /** The text whose key content must be found in the chunk. */
  claim: string;
}

/** Turns the teacher's (schema-valid) JSON into a training conversation. Throws on output that does not parse. */
export function toExample(t: ResolvedTemplate, chunk: string, raw: string): Generated {
  const v = JSON.parse(raw) as Record<string, unknown>;
  const s = (k: string) => {
    const x = v[k];
    if (typeof x !== 'string' || !x.trim()) throw new Error(`field "${k}" is missing or empty`);
    return x.trim();
  };
  const pair = (user: string, assistant: string): ChatMessage[] => [{ role: 'user', content: user }, { role: 'assistant', content: assistant }];
  switch (t.kind) {
    case 'qa': return { messages: pair(s('question'), s('answer')), claim: s('answer') };
    case 'summary': return { messages: pair(`Summarise this passage:\n${chunk}`, s('summary')), claim: s('summary') };
    case 'extraction': {
      const facts = v.facts;
      if (!Array.isArray(facts) || facts.length === 0) throw new Error('field "facts" is missing or empty');
      const lines = facts.map((f: { field?: unknown; value?: unknown }) => `${String(f.field).trim()}: ${String(f.value).trim()}`);
      return { messages: pair(`Extract the key facts from this passage:\n${chunk}`, lines.join('\n')), claim: facts.map((f: { value?: unknown }) => String(f.value)).join(' ') };
    }
    case 'classification':
      return { messages: pair(`Label this passage (${(t.labels ?? []).join(', ')}):\n${chunk}`, s('label')), claim: s('evidence') };
    case 'chat': {
      const turns = v.turns;
      if (!Array.isArray(turns) || turns.length < CHAT_TURNS.min) throw new Error(`field "turns" needs at least ${CHAT_TURNS.min} turns`);
      const text = (x: unknown, k: string) => {
        if (typeof x !== 'string' || !x.trim()) throw new Error(`a turn's "${k}" is missing or empty`);
        return x.trim();
      };
      const messages = turns.slice(0, CHAT_TURNS.max).flatMap((turn: { user?: unknown; assistant?: unknown }) => pair(text(turn.user, 'user'), text(turn.assistant, 'assistant')));
      // Every assistant turn must be supported by the passage, so the grounding claim is all of them together.
      return { messages, claim: messages.filter((m) => m.role === 'assistant').map((m) => m.content).join(' ') };
    }
  }
}
