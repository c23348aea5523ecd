import crypto from 'node:crypto';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';

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
  let s = '';
  for (let i = 0; i < content.messages.length; i++) s += (i ? '\n' : '') + content.messages[i]!.content;
  return s;
}
