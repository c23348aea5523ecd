import type { ColumnMapping, ExampleMessage, ToolCall } from '../../shared/contract/features/datasets.js';
import { sortKeysDeep } from './content-hash.js';

/** A row that cannot become an example; the message completes "line 12: …". */
export class RowProblem extends Error {}

type Role = ExampleMessage['role'];

/** Role names of the common formats (OpenAI, ShareGPT, LLaMA-Factory, Llama 3's ipython) → Lathe's roles. */
const ROLES: Record<string, Role | 'function_call'> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  model: 'assistant',
  bot: 'assistant',
  tool: 'tool',
  function: 'tool', // OpenAI's legacy name for a function's result
  observation: 'tool',
  ipython: 'tool',
  function_call: 'function_call', // ShareGPT: an assistant turn that calls a tool
};

/** Keys of a message Lathe reads; every other key is kept in the message's `extra`. */
const MESSAGE_KEYS = new Set(['role', 'from', 'content', 'value', 'tool_calls', 'function_call', 'tool_call_id', 'name', 'weight', 'reasoning', 'reasoning_content', 'thinking']);
const REASONING_KEYS = ['reasoning', 'reasoning_content', 'thinking'] as const;

/**
 * One source message → an example turn, in a fixed key order (role, content, reasoning, tool_calls, tool_call_id,
 * name, weight, extra) so the serialised example is canonical. `at` names it in problems ("message 3").
 */
export function toMessage(m: unknown, at: string): ExampleMessage {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new RowProblem(`${at} is ${describe(m)}, not an object`);
  const o = m as Record<string, unknown>;
  const rawRole = String(o.role ?? o.from ?? '').toLowerCase();
  const role = ROLES[rawRole];
  if (!role) throw new RowProblem(`${at} has role "${rawRole}"; expected system, user, assistant or tool (also human/gpt, function_call/observation)`);
  const raw = o.content !== undefined ? o.content : o.value;
  if (role === 'function_call') return { role: 'assistant', content: '', tool_calls: callsFromText(raw, at), ...rest(o) };
  let toolCalls = o.tool_calls !== undefined && o.tool_calls !== null ? toolCallList(o.tool_calls, at) : undefined;
  if (!toolCalls && o.function_call) toolCalls = [toolCall(o.function_call, `${at}'s function_call`)];
  if (toolCalls && role !== 'assistant') throw new RowProblem(`${at} is a ${role} turn with tool calls; only assistant turns call tools`);
  const content = raw === null || raw === undefined ? (toolCalls ? '' : null) : messageText(raw, at);
  if (content === null) throw new RowProblem(`${at} has no text content`);
  const out: ExampleMessage = { role, content };
  const reasoning = REASONING_KEYS.map((k) => o[k]).find((v) => v !== undefined && v !== null);
  if (reasoning !== undefined) {
    if (typeof reasoning !== 'string') throw new RowProblem(`${at} has reasoning that is ${describe(reasoning)}, expected text`);
    out.reasoning = reasoning;
  }
  if (toolCalls) out.tool_calls = toolCalls;
  if (o.tool_call_id !== undefined && o.tool_call_id !== null) out.tool_call_id = String(o.tool_call_id);
  if (typeof o.name === 'string') out.name = o.name;
  if (o.weight !== undefined && o.weight !== null) {
    const w = o.weight === true ? 1 : o.weight === false ? 0 : Number(o.weight);
    if (w !== 0 && w !== 1) throw new RowProblem(`${at} has weight ${JSON.stringify(o.weight)}; weight is 0 (do not train on this turn) or 1`);
    out.weight = w;
  }
  return { ...out, ...rest(o) };
}

function rest(o: Record<string, unknown>): { extra?: Record<string, unknown> } {
  const extra = extraOf(o, MESSAGE_KEYS);
  return extra ? { extra } : {};
}

/** The keys of `o` not in `used`, sorted, or undefined when there are none. */
export function extraOf(o: Record<string, unknown>, used: Set<string>): Record<string, unknown> | undefined {
  const keys = Object.keys(o).filter((k) => !used.has(k) && o[k] !== undefined).sort();
  return keys.length ? Object.fromEntries(keys.map((k) => [k, sortKeysDeep(o[k])])) : undefined;
}

/** A list of messages (or JSON text holding one); `label` names it in problems. */
export function toMessages(value: unknown, label: string): ExampleMessage[] {
  const list = typeof value === 'string' ? parseJson(value, label) : value;
  if (!Array.isArray(list)) throw new RowProblem(`${label} should be a list of messages, got ${describe(list)}`);
  return list.map((m, i) => toMessage(m, `${label === 'messages' ? 'message' : `${label} message`} ${i + 1}`));
}

/** Text content: a string, or a list of text parts ({type: "text", text} or {value}); images are refused by name. */
function messageText(content: unknown, at: string): string | null {
  if (typeof content === 'string') return content;
  if (typeof content === 'number' || typeof content === 'boolean') return String(content);
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  for (const p of content) {
    if (typeof p === 'string') {
      texts.push(p);
      continue;
    }
    if (typeof p !== 'object' || p === null) return null;
    const part = p as Record<string, unknown>;
    const text = typeof part.text === 'string' ? part.text : typeof part.value === 'string' ? part.value : null;
    if (text === null) {
      const type = typeof part.type === 'string' ? part.type : 'unknown';
      throw new RowProblem(`${at} has a content part of type "${type}"; Lathe trains on text only`);
    }
    texts.push(text);
  }
  return texts.length ? texts.join('\n') : null;
}

function toolCallList(value: unknown, at: string): ToolCall[] {
  if (!Array.isArray(value) || value.length === 0) throw new RowProblem(`${at} has tool_calls that are ${describe(value)}, expected a non-empty list`);
  return value.map((c, i) => toolCall(c, `${at}'s tool call ${i + 1}`));
}

/** {id?, type?, function: {name, arguments}} or the flat {name, arguments} of ShareGPT/legacy function_call. */
function toolCall(value: unknown, at: string): ToolCall {
  if (typeof value !== 'object' || value === null) throw new RowProblem(`${at} is ${describe(value)}, not an object`);
  const o = value as Record<string, unknown>;
  const fn = (typeof o.function === 'object' && o.function !== null ? o.function : o) as Record<string, unknown>;
  if (typeof fn.name !== 'string' || !fn.name) throw new RowProblem(`${at} has no function name`);
  const args = fn.arguments ?? fn.parameters ?? {};
  const call: ToolCall = { type: 'function', function: { name: fn.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) } };
  return typeof o.id === 'string' ? { id: o.id, ...call } : call;
}

/** ShareGPT's function_call turn: JSON text of one call or a list of calls. */
function callsFromText(raw: unknown, at: string): ToolCall[] {
  const value = typeof raw === 'string' ? parseJson(raw, `${at} (function_call)`) : raw;
  return Array.isArray(value) ? toolCallList(value, at) : [toolCall(value, at)];
}

/**
 * Tool definitions as OpenAI writes them ({type: "function", function: {...}}); a bare {name, description,
 * parameters} (ShareGPT, LLaMA-Factory) is wrapped the same way, so every family template gets one shape. Keys
 * are sorted at every depth (the stored form is canonical; JSON Schema does not depend on key order).
 */
export function toTools(value: unknown): Array<Record<string, unknown>> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const list = typeof value === 'string' ? parseJson(value, 'tools') : value;
  if (!Array.isArray(list)) throw new RowProblem(`tools should be a list of tool definitions, got ${describe(list)}`);
  if (list.length === 0) return undefined;
  return sortKeysDeep(list.map((t, i) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new RowProblem(`tool ${i + 1} is ${describe(t)}, not an object`);
    const o = t as Record<string, unknown>;
    if (typeof o.function === 'object' && o.function !== null) return o;
    if (typeof o.name !== 'string') throw new RowProblem(`tool ${i + 1} has no name`);
    return { type: 'function', function: o };
  }));
}

export function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RowProblem(`${label} holds text that is not JSON`);
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `text "${value.slice(0, 20)}${value.length > 20 ? '…' : ''}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** A turn the trainer learns from: an assistant turn with words or tool calls that is not weighted out. */
export const isTarget = (m: ExampleMessage) => m.role === 'assistant' && m.weight !== 0 && (m.content.trim() !== '' || !!m.tool_calls);

/** A conversation the trainer can learn from: a user turn and at least one assistant turn to train on. */
export function checkConversation(messages: ExampleMessage[]): void {
  if (messages.length === 0) throw new RowProblem('has an empty list of messages');
  if (!messages.some(isTarget)) {
    throw new RowProblem(messages.some((m) => m.role === 'assistant' && m.weight === 0)
      ? 'has no assistant message to learn from (every assistant turn has weight 0)'
      : 'has no non-empty assistant message to learn from');
  }
  if (!messages.some((m) => m.role === 'user')) throw new RowProblem('has no user message');
}

/** The mapped system field, when there is one and the messages do not open with their own system turn. */
export function withSystem(r: Record<string, unknown>, mapping: ColumnMapping, turns: ExampleMessage[]): ExampleMessage[] {
  const system = optionalText(r, mapping.system);
  return system && turns[0]?.role !== 'system' ? [{ role: 'system', content: system }, ...turns] : turns;
}

export function requiredText(r: Record<string, unknown>, field: string): string {
  const v = r[field];
  if (v === undefined || v === null) throw new RowProblem(`is missing field "${field}"`);
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
  if (s === null) throw new RowProblem(`field "${field}" is ${describe(v)}, expected text`);
  if (!s.trim()) throw new RowProblem(`field "${field}" is empty`);
  return s;
}

export function optionalText(r: Record<string, unknown>, field: string | undefined): string | null {
  if (!field) return null;
  const v = r[field];
  return typeof v === 'string' && v.trim() ? v : null;
}
