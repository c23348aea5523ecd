import { createHash } from 'node:crypto';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';

/**
 * The canonical text of an example. Examples are always built by normalizeRecord with keys in one fixed order
 * (kind, messages, role, content / kind, text), so plain JSON.stringify is canonical and much faster than a
 * key-sorting serialiser on the import hot path; a unit test guards the equivalence.
 */
export function serializeExample(content: ExampleContent): string {
  return JSON.stringify(content);
}

/** sha256 of the canonical JSON of an example: equal content, equal hash, whatever the source format. */
export function exampleHash(serialized: string): string {
  return createHash('sha256').update(serialized).digest('hex');
}

/** A version's hash: sha256 over its ordered example hashes. Order matters; so do duplicates. */
export function versionHash(exampleHashes: Iterable<string>): string {
  const h = createHash('sha256');
  for (const e of exampleHashes) h.update(e).update('\n');
  return h.digest('hex');
}
