import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { LatheError } from '../../shared/contract/errors.js';
import type { AuditEntry } from '../../shared/contract/index.js';
import { AuditLog } from '../audit/audit-log.js';
import { canonicalJson } from '../audit/audit-hash.js';
import { datasetQueries, stagingQueries, type VersionRow } from '../db/queries/datasets.js';
import { versionHash } from './content-hash.js';

export interface DerivedRow { hash: string; text: string; source: string; split: string | null }

export interface DerivedVersionMeta {
  operation: string;
  /** Stored with the version and in its audit entry: everything needed to redo the step. */
  params: Record<string, unknown>;
  actor: string;
  auditAction: string;
  /** A function when the details are only known once the rows have streamed (counts). */
  auditDetails?: Record<string, unknown> | (() => Record<string, unknown>);
  /** More writes that belong to the new version (a review's carried verdicts), in its transaction, before the audit entry. */
  inTransaction?: (version: VersionRow) => void;
}

/**
 * Writes a new immutable version derived from `parent`: rows are staged on this connection (nothing in the
 * library changes while they stream), then version, new examples, links and the audit entry commit in one
 * IMMEDIATE transaction. Used by every step that is not a curation operation (review, filters).
 */
export function writeDerivedVersion(
  db: Database.Database,
  parent: VersionRow | { newDataset: string },
  rows: Iterable<DerivedRow>,
  meta: DerivedVersionMeta,
): { version: VersionRow; audit: AuditEntry } {
  const q = datasetQueries(db);
  const staging = stagingQueries(db);
  let count = 0;
  try {
    for (const r of rows) staging.stage(count++, r.hash, r.text, r.source, r.split);
    staging.flush();
    const tx = db.transaction(() => {
      // `newDataset`: the first version of a task dataset made inside Lathe (e.g. preferences from feedback).
      let datasetId: string;
      if ('newDataset' in parent) {
        if (q.byName(parent.newDataset)) throw new LatheError('INVALID_ARGUMENTS', `A dataset named "${parent.newDataset}" already exists.`, 'Choose another name, or add to that dataset.');
        datasetId = randomUUID();
        q.insertDataset({ id: datasetId, name: parent.newDataset, kind: 'task', created_at: new Date().toISOString(), created_by: meta.actor });
      } else {
        datasetId = parent.dataset_id;
      }
      const latest = q.latestVersion(datasetId);
      const version: VersionRow = {
        id: randomUUID(),
        dataset_id: datasetId,
        number: (latest?.number ?? 0) + 1,
        parent_id: 'newDataset' in parent ? null : parent.id,
        content_hash: versionHash(staging.stagedHashes()),
        example_count: count,
        operation: meta.operation,
        params: canonicalJson(meta.params),
        created_at: new Date().toISOString(),
        created_by: meta.actor,
      };
      staging.insertStagedExamples();
      q.insertVersion(version);
      staging.linkStaged(version.id, 0);
      meta.inTransaction?.(version);
      const audit = new AuditLog(db).append({
        actor: meta.actor,
        action: meta.auditAction,
        objectType: 'dataset_version',
        objectId: version.id,
        details: { parent: version.parent_id, number: version.number, params: meta.params, examples: count, contentHash: version.content_hash, ...(typeof meta.auditDetails === 'function' ? meta.auditDetails() : meta.auditDetails) },
      });
      return { version, audit };
    });
    return tx.immediate();
  } finally {
    staging.drop();
  }
}

/** Every example of a version in order, page by page (a version may hold millions). */
export function* versionRows(db: Database.Database, version: VersionRow, pageSize = 5000) {
  const q = datasetQueries(db);
  for (let offset = 0; offset < version.example_count; offset += pageSize) yield* q.page(version.id, offset, pageSize);
}

export function requireVersion(db: Database.Database, versionId: string): VersionRow {
  const v = datasetQueries(db).versionById(versionId);
  if (!v) throw new LatheError('NOT_FOUND', `There is no dataset version ${versionId}.`, 'Refresh the dataset page and pick a version.');
  return v;
}
