import { createHash } from 'node:crypto';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import { canonicalJson } from '../audit/audit-hash.js';

/** sha256 of the canonical JSON of an example: equal content, equal hash, whatever the source format. */
export function exampleHash(content: ExampleContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** A version's hash: sha256 over its ordered example hashes. Order matters; so do duplicates. */
export function versionHash(exampleHashes: Iterable<string>): string {
  const h = createHash('sha256');
  for (const e of exampleHashes) h.update(e).update('\n');
  return h.digest('hex');
}
