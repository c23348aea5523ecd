import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';

/**
 * The audit chain's head, anchored outside the table. A hash chain shows a changed or removed entry in the middle,
 * but not entries cut off its end, nor a chain recomputed from some point on: the database alone still checks out.
 * So every append also writes the new head (seq + hash) to `audit-witness.json` beside the database (atomically:
 * temp file, then rename; never moved backwards), and `audit verify` requires the entry the witness names to be
 * in the table with that hash. The head is also embedded in audit exports and RELEASE.json, so a copy kept
 * elsewhere anchors the chain too.
 *
 * What it cannot do: someone who can rewrite both the database and the witness file (the same folder, the same
 * permissions) can make them agree; only a head recorded elsewhere (an export, a release note, a report) catches
 * that. A witness that lags the table (a crash between commit and rename, a full disk) is accepted: it is behind,
 * not contradicted.
 */
export interface AuditHead { seq: number; hash: string; at: string }

export const WITNESS_FILE = 'audit-witness.json';

/** Beside the database file; null for an in-memory database. */
export function witnessPath(db: Database.Database): string | null {
  return db.memory || !db.name ? null : path.join(path.dirname(db.name), WITNESS_FILE);
}

export function readWitness(file: string): AuditHead | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return 'missing';
  }
  try {
    const w = JSON.parse(text) as Partial<AuditHead>;
    if (typeof w.seq === 'number' && Number.isInteger(w.seq) && typeof w.hash === 'string' && /^[0-9a-f]{64}$/.test(w.hash)) {
      return { seq: w.seq, hash: w.hash, at: String(w.at ?? '') };
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

/** Records `head` unless the witness already names a later entry (another process appended meanwhile). */
export function writeWitness(file: string, head: AuditHead): void {
  const current = readWitness(file);
  if (typeof current === 'object' && current.seq >= head.seq) return;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ format: 'lathe-audit-witness', version: 1, ...head })}\n`);
  fs.renameSync(tmp, file);
}
