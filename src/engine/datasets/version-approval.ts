import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { VersionApproval } from '../../shared/contract/features/datasets.js';
import { confirmSigner, sign, signaturesOf } from '../auth/signatures.js';
import type { EngineContext } from '../context.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { versionApprovalQueries } from '../db/queries/version-approvals.js';
import { requireDb } from '../require-db.js';

export const APPROVED_FOR_TRAINING = 'Approved for training';

/**
 * "Approve dataset version for training" (issue 15): the approval records the version's content hash, who and when;
 * in team mode the approver re-enters the password and signs that hash (meaning "Approved for training"), so the
 * approval stops verifying if the version's content were ever different. Shown on the dataset page and in lineage.
 */
export async function approveVersion(ctx: EngineContext, versionId: string, note: string | undefined, password: string | undefined): Promise<VersionApproval[]> {
  const { db, audit } = requireDb(ctx);
  const version = datasetQueries(db).versionById(versionId);
  if (!version) throw new LatheError('NOT_FOUND', `There is no dataset version ${versionId}.`, 'Pick a version on the Datasets page.');
  const signer = await confirmSigner(ctx, password); // team mode: the password again, before anything is recorded
  const id = randomUUID();
  db.transaction(() => {
    versionApprovalQueries(db).insert({ id, version_id: versionId, content_hash: version.content_hash, approved_by: signer?.name ?? ctx.actor, approved_at: new Date().toISOString(), note: note || null });
    ctx.events.emit('audit.appended', audit.append({ actor: signer?.name ?? ctx.actor, action: 'dataset.version.approve', objectType: 'dataset_version', objectId: versionId, details: { approvalId: id, contentHash: version.content_hash, exampleCount: version.example_count, note: note || null, signed: !!signer } }));
    if (signer) sign(db, audit, signer, { type: 'dataset_version', id: versionId, sha256: version.content_hash }, APPROVED_FOR_TRAINING);
  })();
  return approvalsOf(db, versionId);
}

/** A version's approvals, each checked against the version's content hash now. */
export function approvalsOf(db: Database.Database, versionId: string): VersionApproval[] {
  const current = datasetQueries(db).versionById(versionId)?.content_hash ?? '';
  const signatures = signaturesOf(db, 'dataset_version', versionId, current);
  return versionApprovalQueries(db).forVersion(versionId).map((a) => ({
    id: a.id, versionId, approvedBy: a.approved_by, approvedAt: a.approved_at, contentHash: a.content_hash, note: a.note, current: a.content_hash === current,
    // The signature made with this approval: same signer, signed over this approval's hash.
    signatures: signatures.filter((s) => s.name === a.approved_by && s.recordSha256 === a.content_hash),
  }));
}
