import { createHash } from 'node:crypto';

/** The first entry's prev_hash: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

export interface HashedFields {
  seq: number;
  at: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string | null;
  details: string;
  prevHash: string;
}

/**
 * sha256 over a canonical serialisation of every stored field, including the previous entry's hash, so a
 * change to any field of any entry breaks that entry and, through prev_hash, the chain after it.
 */
export function auditEntryHash(f: HashedFields): string {
  const canonical = JSON.stringify([f.seq, f.at, f.actor, f.action, f.objectType, f.objectId, f.details, f.prevHash]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** JSON with object keys sorted, so equal details always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return v;
  });
}
