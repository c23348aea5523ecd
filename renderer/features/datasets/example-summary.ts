import type { ExampleContent, ExampleMessage } from '../../../src/shared/contract/index.js';

export interface ExampleSummary {
  /** The first user message, or the text of a document chunk. */
  prompt: string;
  /** The assistant's answer to it; empty for text. */
  response: string;
  /** User and assistant messages, without the system prompt. */
  turns: number;
  hasSystem: boolean;
}

// Enough for any row width; CSS ellipsis does the visible cut. Keeps huge examples cheap to render.
const MAX_CHARS = 280;

/** One line per side, for the examples table: what was asked, and what the model should answer. */
export function summarizeExample(content: ExampleContent): ExampleSummary {
  if (content.kind === 'text') return { prompt: oneLine(content.text), response: '', turns: 0, hasSystem: false };
  const messages = content.kind === 'preference' ? content.prompt : content.messages;
  const userAt = messages.findIndex((m) => m.role === 'user');
  const hasSystem = messages.some((m) => m.role === 'system');
  if (content.kind === 'preference') {
    const said = (turns: ExampleMessage[]) => answerText(turns.find((m) => m.role === 'assistant'));
    return { prompt: oneLine(messages[userAt]?.content ?? ''), response: oneLine(`✓ ${said(content.chosen)}  ✗ ${said(content.rejected)}`), turns: messages.length + 1, hasSystem };
  }
  const answer = messages.slice(userAt + 1).find((m) => m.role === 'assistant') ?? messages.findLast((m) => m.role === 'assistant');
  const label = content.kind === 'kto' ? (content.label ? '✓ ' : '✗ ') : '';
  return {
    prompt: oneLine(messages[userAt]?.content ?? ''),
    response: oneLine(label + answerText(answer)),
    turns: messages.filter((m) => m.role !== 'system').length,
    hasSystem,
  };
}

/** An answer's words, or the tool it calls when it only calls one. */
function answerText(m: ExampleMessage | undefined): string {
  if (!m) return '';
  return m.content || (m.tool_calls ?? []).map((c) => `${c.function.name}(${c.function.arguments})`).join(' ');
}

/** Whitespace (newlines included) collapsed to single spaces, cut at a length no row can show anyway. */
export function oneLine(text: string, max = MAX_CHARS): string {
  const flat = text
    .slice(0, max * 2)
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
