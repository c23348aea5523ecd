import crypto from 'node:crypto';
import type { ExampleContent, ExampleMessage } from '../../shared/contract/features/datasets.js';
import { exampleTurns } from '../../shared/datasets/example-text.js';

/**
 * The canonical text of an example. Examples are always built by normalizeRecord with keys in one fixed order
 * (kind, messages, role, content / kind, text), so plain JSON.stringify is canonical and much faster than a
 * key-sorting serialiser on the import hot path; a unit test guards the equivalence.
 */
export function serializeExample(content: ExampleContent): string {
  return JSON.stringify(content);
}

// One-shot crypto.hash (Node >= 20.12) skips the Hash object per call: about 2.5x faster for short rows.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

/** sha256 of the canonical JSON of an example: equal content, equal hash, whatever the source format. */
export function exampleHash(serialized: string): string {
  return oneShot ? oneShot('sha256', serialized, 'hex') : crypto.createHash('sha256').update(serialized).digest('hex');
}

/** A version's hash: sha256 over its ordered example hashes. Order matters; so do duplicates. */
export function versionHash(exampleHashes: Iterable<string>): string {
  const h = crypto.createHash('sha256');
  for (const e of exampleHashes) h.update(e).update('\n');
  return h.digest('hex');
}

/**
 * The text full-text search indexes for an example: a text example's text, or a chat's message contents one
 * per line. Must match the SQL fallback `exampleSearchSql` in db/queries/datasets.ts (a test guards it).
 */
export function searchText(content: ExampleContent): string {
  if (content.kind === 'text') return content.text;
  const turns = exampleTurns(content);
  let s = '';
  for (let i = 0; i < turns.length; i++) s += (i ? '\n' : '') + turns[i]!.content;
  return s;
}

/**
 * The example rebuilt with every key in the order normalizeRecord writes them (kind, the kind's fields, tools,
 * extra; a turn's role, content, reasoning, tool_calls, tool_call_id, name, weight, extra), so content that came
 * another way (an edit from the review card, a correction) serialises to the same text and hash as an import.
 */
export function canonicalExample(content: ExampleContent): ExampleContent {
  const extra = (e: Record<string, unknown> | undefined) => (e && Object.keys(e).length ? { extra: sortKeysDeep(e) } : {});
  const turn = (m: ExampleMessage): ExampleMessage => ({
    role: m.role,
    content: m.content,
    ...(m.reasoning !== undefined ? { reasoning: m.reasoning } : {}),
    ...(m.tool_calls ? { tool_calls: m.tool_calls.map((c) => ({ ...(c.id !== undefined ? { id: c.id } : {}), type: c.type, function: { name: c.function.name, arguments: c.function.arguments } })) } : {}),
    ...(m.tool_call_id !== undefined ? { tool_call_id: m.tool_call_id } : {}),
    ...(m.name !== undefined ? { name: m.name } : {}),
    ...(m.weight !== undefined ? { weight: m.weight } : {}),
    ...extra(m.extra),
  });
  const tools = 'tools' in content && content.tools?.length ? { tools: sortKeysDeep(content.tools) } : {};
  switch (content.kind) {
    case 'text':
      return { kind: 'text', text: content.text, ...extra(content.extra) };
    case 'chat':
      return { kind: 'chat', messages: content.messages.map(turn), ...tools, ...extra(content.extra) };
    case 'preference':
      return { kind: 'preference', prompt: content.prompt.map(turn), chosen: content.chosen.map(turn), rejected: content.rejected.map(turn), ...tools, ...extra(content.extra) };
    case 'kto':
      return { kind: 'kto', messages: content.messages.map(turn), label: content.label, ...tools, ...extra(content.extra) };
  }
}

/** Objects with their keys sorted, at every depth: data kept verbatim (tools, unused fields) hashes the same whatever order its keys came in. */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeysDeep) as T;
  if (typeof value !== 'object' || value === null) return value;
  const o = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeysDeep(o[k])])) as T;
}
