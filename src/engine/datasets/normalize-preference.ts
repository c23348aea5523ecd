import type { ColumnMapping, ExampleContent, ExampleMessage } from '../../shared/contract/features/datasets.js';
import { checkConversation, describe, isTarget, optionalText, RowProblem, toMessage, toMessages, toTools, withSystem } from './normalize-messages.js';

type Tools = Array<Record<string, unknown>> | undefined;

/**
 * A preference pair from any of the common shapes: TRL prompt/chosen/rejected (text or message lists, with or
 * without an explicit prompt), Anthropic HH full texts ("\n\nHuman: … \n\nAssistant: …"), ShareGPT conversations
 * with chosen/rejected turns, and OpenAI's preference files ({input: {messages, tools}, preferred_output,
 * non_preferred_output}). Without a prompt field the prompt is the turns both answers share.
 */
export function toPreference(r: Record<string, unknown>, mapping: ColumnMapping): Extract<ExampleContent, { kind: 'preference' }> {
  let tools = toTools(mapping.tools ? r[mapping.tools] : undefined);
  let prompt: ExampleMessage[] = [];
  if (mapping.messages) {
    let value = r[mapping.messages];
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'messages' in value) {
      const input = value as Record<string, unknown>;
      tools ??= toTools(input.tools);
      value = input.messages;
    }
    prompt = toMessages(value ?? missing(mapping.messages), 'prompt');
  } else if (mapping.prompt) {
    const value = r[mapping.prompt] ?? missing(mapping.prompt);
    if (typeof value === 'string' && !looksLikeMessageList(value)) {
      const input = optionalText(r, mapping.input);
      prompt = [{ role: 'user', content: input ? `${value}\n\n${input}` : value }];
    } else {
      prompt = toMessages(value, 'prompt');
    }
  }
  let chosen = answer(r[mapping.chosen ?? 'chosen'], mapping.chosen ?? 'chosen', prompt.length === 0);
  let rejected = answer(r[mapping.rejected ?? 'rejected'], mapping.rejected ?? 'rejected', prompt.length === 0);
  if (prompt.length === 0) [prompt, chosen, rejected] = splitSharedPrompt(chosen, rejected);
  prompt = withSystem(r, mapping, prompt);
  checkPrompt(prompt);
  checkAnswer(chosen, 'chosen');
  checkAnswer(rejected, 'rejected');
  if (JSON.stringify(chosen) === JSON.stringify(rejected)) throw new RowProblem('has the same chosen and rejected answer; a preference needs two different answers');
  return tools ? { kind: 'preference', prompt, chosen, rejected, tools } : { kind: 'preference', prompt, chosen, rejected };
}

/** A conversation with a desirable/undesirable label on its last assistant turn (TRL and LLaMA-Factory KTO data). */
export function toKto(r: Record<string, unknown>, mapping: ColumnMapping): Extract<ExampleContent, { kind: 'kto' }> {
  const tools: Tools = toTools(mapping.tools ? r[mapping.tools] : undefined);
  const messages = withSystem(r, mapping, mapping.messages
    ? toMessages(r[mapping.messages] ?? missing(mapping.messages), 'messages')
    : [
        { role: 'user', content: text(r, mapping.prompt ?? 'prompt') },
        { role: 'assistant', content: text(r, mapping.completion ?? 'completion') },
      ]);
  checkConversation(messages);
  if (!isTarget(messages[messages.length - 1]!)) throw new RowProblem('must end with the assistant answer its label judges');
  const label = toLabel(r[mapping.label ?? 'label'], mapping.label ?? 'label');
  return tools ? { kind: 'kto', messages, label, tools } : { kind: 'kto', messages, label };
}

const TRUE_LABELS = new Set(['true', '1', 'yes', 'good', 'desirable', 'chosen', 'positive', 'accept', 'accepted']);
const FALSE_LABELS = new Set(['false', '0', 'no', 'bad', 'undesirable', 'rejected', 'negative', 'reject']);

function toLabel(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  const s = String(value ?? '').trim().toLowerCase();
  if (TRUE_LABELS.has(s)) return true;
  if (FALSE_LABELS.has(s)) return false;
  throw new RowProblem(value === undefined || value === null ? `is missing field "${field}" (the desirable/undesirable label)` : `field "${field}" is ${describe(value)}; a KTO label is true/false (also 1/0, good/bad, desirable/undesirable)`);
}

/** One side of a pair: text, one message, or a list of messages; full HH texts become turns when there is no prompt. */
function answer(value: unknown, field: string, mayHoldPrompt: boolean): ExampleMessage[] {
  if (value === undefined || value === null) return missing(field);
  if (typeof value === 'string') {
    if (mayHoldPrompt && /(^|\n\n)Human:/.test(value)) return hhTurns(value, field);
    if (looksLikeMessageList(value)) return toMessages(value, field);
    return [{ role: 'assistant', content: value }];
  }
  if (Array.isArray(value)) return toMessages(value, field);
  return [toMessage(value, `${field} message`)];
}

const looksLikeMessageList = (s: string) => /^\s*\[\s*\{/.test(s);

/** "\n\nHuman: q\n\nAssistant: a…" → turns. */
function hhTurns(text: string, field: string): ExampleMessage[] {
  const parts = text.split(/(?:^|\n\n)(Human|Assistant):[ \t]?/);
  if (parts[0]!.trim()) throw new RowProblem(`field "${field}" has text before its first "Human:" turn`);
  const turns: ExampleMessage[] = [];
  for (let i = 1; i < parts.length; i += 2) turns.push({ role: parts[i] === 'Human' ? 'user' : 'assistant', content: parts[i + 1]!.trim() });
  return turns;
}

/** Full conversations for both answers: the turns they share are the prompt, the rest are the answers. */
function splitSharedPrompt(chosen: ExampleMessage[], rejected: ExampleMessage[]): [ExampleMessage[], ExampleMessage[], ExampleMessage[]] {
  let shared = 0;
  while (shared < chosen.length && shared < rejected.length && JSON.stringify(chosen[shared]) === JSON.stringify(rejected[shared])) shared += 1;
  // The answers start at the last assistant turn that follows the shared part.
  while (shared > 0 && chosen[shared - 1]!.role === 'assistant') shared -= 1;
  if (shared === 0) {
    throw new RowProblem(chosen.some((m) => m.role === 'user')
      ? 'has no prompt the chosen and rejected conversations share'
      : 'has no prompt: map a prompt field, or give chosen and rejected as full conversations');
  }
  return [chosen.slice(0, shared), chosen.slice(shared), rejected.slice(shared)];
}

function checkPrompt(prompt: ExampleMessage[]): void {
  if (!prompt.some((m) => m.role === 'user')) throw new RowProblem('has a prompt with no user message');
  const last = prompt[prompt.length - 1]!;
  if (last.role === 'assistant' || last.role === 'system') throw new RowProblem(`has a prompt that ends on ${last.role === 'assistant' ? 'an assistant' : 'a system'} turn; it should end where the answer starts (a user or tool turn)`);
}

/** Answers hold assistant (and tool) turns; a chosen answer must say something, a rejected one may be empty (a model that said nothing). */
function checkAnswer(turns: ExampleMessage[], side: 'chosen' | 'rejected'): void {
  const bad = turns.find((m) => m.role !== 'assistant' && m.role !== 'tool');
  if (bad) throw new RowProblem(`has a ${side} answer with a ${bad.role} turn; answers hold assistant (and tool) turns only`);
  if (turns[0]?.role !== 'assistant' || (side === 'chosen' && !turns.some(isTarget))) throw new RowProblem(`has an empty ${side} answer`);
}

function text(r: Record<string, unknown>, field: string): string {
  const v = r[field];
  if (typeof v !== 'string' || !v.trim()) throw new RowProblem(v === undefined || v === null ? `is missing field "${field}"` : `field "${field}" is ${describe(v)}, expected text`);
  return v;
}

function missing(field: string): never {
  throw new RowProblem(`is missing field "${field}"`);
}
