import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditEntry } from '../../shared/contract/index.js';
import { AuditLog } from '../audit/audit-log.js';
import { canonicalJson } from '../audit/audit-hash.js';
import { versionHash } from '../datasets/content-hash.js';
import type { DerivedRow } from '../datasets/version-writer.js';
import { datasetQueries, stagingQueries, type DatasetRow, type VersionRow } from '../db/queries/datasets.js';

const KIND_NAMES: Record<string, string> = { qa: 'Q&A', chat: 'chats', summary: 'summaries', extraction: 'extractions', classification: 'labels' };

/** "<documents> — generated Q&A": the task dataset a documents dataset's generations of one kind land in. */
export function generatedDatasetName(documentsName: string, kind: string): string {
  return `${documentsName} — generated ${KIND_NAMES[kind] ?? kind}`;
}

/**
 * Generated examples are task data (conversations), not document chunks, so they land in a task dataset of
 * their own, created on the first generation and given a new version by each later one (its parent is that
 * dataset's previous version). The source documents version, job and teacher are recorded in the version's
 * params and audit entry: that is the provenance link back to the documents. All in one IMMEDIATE transaction.
 */
export function writeGeneratedVersion(
  db: Database.Database,
  source: VersionRow,
  kind: string,
  rows: DerivedRow[],
  meta: { params: Record<string, unknown>; actor: string; auditDetails: Record<string, unknown> },
): { dataset: DatasetRow; version: VersionRow; created: boolean; audit: AuditEntry } {
  const q = datasetQueries(db);
  const staging = stagingQueries(db);
  const documents = q.datasetById(source.dataset_id)!;
  try {
    rows.forEach((r, i) => staging.stage(i, r.hash, r.text, r.source, r.split));
    staging.flush();
    return db.transaction(() => {
      const now = new Date().toISOString();
      const base = generatedDatasetName(documents.name, kind);
      let name = base;
      let dataset = q.byName(name);
      // A name taken by a documents dataset gets a numbered sibling rather than mixing kinds in one dataset.
      for (let n = 2; dataset && dataset.kind !== 'task'; n++) {
        name = `${base} (${n})`;
        dataset = q.byName(name);
      }
      let created = false;
      if (!dataset) {
        dataset = { id: randomUUID(), name, kind: 'task', created_at: now, created_by: meta.actor };
        q.insertDataset(dataset);
        created = true;
      }
      const previous = created ? undefined : q.latestVersion(dataset.id);
      const version: VersionRow = {
        id: randomUUID(),
        dataset_id: dataset.id,
        number: (previous?.number ?? 0) + 1,
        parent_id: previous?.id ?? null,
        content_hash: versionHash(staging.stagedHashes()),
        example_count: rows.length,
        operation: 'synthetic',
        params: canonicalJson({ ...meta.params, sourceVersionId: source.id, sourceDatasetId: documents.id }),
        created_at: now,
        created_by: meta.actor,
      };
      staging.insertStagedExamples();
      q.insertVersion(version);
      staging.linkStaged(version.id, 0);
      const audit = new AuditLog(db).append({
        actor: meta.actor,
        action: 'dataset.synthetic',
        objectType: 'dataset_version',
        objectId: version.id,
        details: { dataset: dataset.id, datasetName: dataset.name, datasetCreated: created, number: version.number, source: source.id, params: meta.params, examples: rows.length, contentHash: version.content_hash, ...meta.auditDetails },
      });
      return { dataset, version, created, audit };
    }).immediate();
  } finally {
    staging.drop();
  }
}
