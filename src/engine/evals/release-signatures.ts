import type Database from 'better-sqlite3';
import type { Signature } from '../../shared/contract/features/auth.js';
import { recordSha256, signaturesOf } from '../auth/signatures.js';
import { evalQueries, type ReleaseRow } from '../db/queries/evals.js';

/** What a release signature covers: every field of the decision (a column added later is not silently covered). */
const SIGNED_RELEASE_FIELDS = ['id', 'project', 'model_id', 'adapter_ids', 'eval_id', 'baseline_eval_id', 'decision', 'passed', 'results', 'reason', 'reviewer', 'created_at', 'created_by', 'export_id', 'artefact_path', 'artefact_sha256', 'meaning'] as const satisfies ReadonlyArray<keyof ReleaseRow>;

/** The sha256 of a release decision as recorded: what a signature binds to. */
export function releaseSha256(r: ReleaseRow): string {
  return recordSha256(Object.fromEntries(SIGNED_RELEASE_FIELDS.map((k) => [k, r[k]])));
}

/** The signatures on a release decision, each verified against the decision as stored now (none for an unknown id). */
export function releaseSignatures(db: Database.Database, release: ReleaseRow | string): Signature[] {
  const row = typeof release === 'string' ? evalQueries(db).releaseById(release) : release;
  return row ? signaturesOf(db, 'release', row.id, releaseSha256(row)) : [];
}

/** "rosa · 2026-12-05 01:10 UTC · “Approved for release” · verified" — a signature in one line, for lineage and lists. */
export function signatureLine(s: Signature): string {
  return `${s.name} · ${s.signedAt.slice(0, 16).replace('T', ' ')} UTC · “${s.meaning}” · ${s.valid ? 'verified' : 'does not verify'}`;
}
