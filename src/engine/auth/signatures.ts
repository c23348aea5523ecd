import { createHash, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { Signature } from '../../shared/contract/features/auth.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EngineContext } from '../context.js';
import { signatureQueries, type SignatureRow } from '../db/queries/signatures.js';
import { currentPrincipal } from './call-scope.js';

/**
 * Electronic signatures on decisions that matter (issue 15; 21 CFR Part 11 §11.50, §11.70, §11.200). In team mode the
 * signer is the signed-in user, who re-enters the password at signing; the signature records the user id, the printed
 * name, the UTC time, the meaning, and the sha256 of the exact record signed, and a binding hash over all of them with
 * the record's type and id. Verification recomputes both from the stored record, so a signature copied to another
 * record, or a record changed after signing, shows as invalid. Single-user modes sign nothing (there is no one to
 * authenticate); their decisions keep the typed reviewer name as before.
 */

export interface Signer {
  userId: number;
  name: string;
}

export interface SignedRecord {
  type: SignatureRow['record_type'];
  id: string;
  sha256: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The sha256 of a record's content: JSON of its fields in key order, so the same content always hashes the same. */
export function recordSha256(fields: Record<string, unknown>): string {
  return sha256(JSON.stringify(Object.keys(fields).sort().map((k) => [k, fields[k] ?? null])));
}

export function bindingSha256(s: Omit<SignatureRow, 'id' | 'binding_sha256'>): string {
  return sha256(JSON.stringify(['lathe-signature-v1', s.record_type, s.record_id, s.record_sha256, s.user_id, s.printed_name, s.meaning, s.signed_at]));
}

/**
 * Team mode: the caller must re-enter their password before anything is recorded (a wrong one is audited and counts
 * toward the lock). Returns the signer, or null in single-user modes, where no signature is made.
 */
export async function confirmSigner(ctx: EngineContext, password: string | undefined): Promise<Signer | null> {
  const principal = currentPrincipal();
  if (!principal) return null;
  if (!password) {
    throw new LatheError('UNAUTHORIZED', `Signing needs your password, ${principal.name}.`, 'Enter your Lathe password: it confirms that you, and no one in your name, make this decision. Nothing was recorded.');
  }
  if (!ctx.users) throw new LatheError('UNAUTHORIZED', 'This engine cannot check passwords, so it cannot sign.', 'Serve Lathe with `lathe serve --team`.');
  await ctx.users.confirmPassword(principal.userId, password);
  return { userId: principal.userId, name: principal.name };
}

/** Records the signature and its audit entry; call inside the transaction that records the decision itself. */
export function sign(db: Database.Database, audit: AuditLog, signer: Signer, record: SignedRecord, meaning: string): SignatureRow {
  const fields = { record_type: record.type, record_id: record.id, record_sha256: record.sha256, user_id: signer.userId, printed_name: signer.name, meaning, signed_at: new Date().toISOString() };
  const row: SignatureRow = { id: randomUUID(), ...fields, binding_sha256: bindingSha256(fields) };
  signatureQueries(db).insert(row);
  audit.append({
    actor: signer.name,
    action: 'signature',
    objectType: record.type,
    objectId: record.id,
    details: { signatureId: row.id, userId: signer.userId, printedName: signer.name, meaning, signedAt: row.signed_at, recordSha256: record.sha256, bindingSha256: row.binding_sha256 },
  });
  return row;
}

/** The signatures of a record, each checked against the record as it is now (`currentSha256`). */
export function signaturesOf(db: Database.Database, type: SignatureRow['record_type'], id: string, currentSha256: string): Signature[] {
  return signatureQueries(db)
    .forRecord(type, id)
    .map((s) => ({
      userId: s.user_id,
      name: s.printed_name,
      meaning: s.meaning,
      signedAt: s.signed_at,
      recordSha256: s.record_sha256,
      valid: s.record_id === id && s.record_sha256 === currentSha256 && s.binding_sha256 === bindingSha256(s),
    }));
}
