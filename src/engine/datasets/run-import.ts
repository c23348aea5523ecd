import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { AuditEntry } from '../../shared/contract/index.js';
import type { ImportResult } from '../../shared/contract/features/datasets.js';
import { AuditLog } from '../audit/audit-log.js';
import { canonicalJson } from '../audit/audit-hash.js';
import { datasetQueries, stagingQueries } from '../db/queries/datasets.js';
import { versionHash } from './content-hash.js';
import { produceRows, rejectsPathOf, type RowBatch, type RowsSummary } from './import-rows.js';
import type { ImportHooks, ImportParams } from './import-params.js';

export type { ImportHooks, ImportParams, ImportProgress } from './import-params.js';

/** Reads the source and hands over example batches: in this thread (produceRows) or in a second one (import-rows-worker). */
export type RowProducer = (p: ImportParams, emit: (batch: RowBatch) => void, hooks: ImportHooks) => Promise<RowsSummary>;

/**
 * Streams a file into a TEMP staging table, then writes the dataset version, its examples, the import record
 * and the audit entry in one short IMMEDIATE transaction. An error, a cancel or a killed process before that
 * commit leaves the library exactly as it was.
 */
export async function runImport(
  db: Database.Database,
  p: ImportParams,
  hooks: ImportHooks = {},
  produce: RowProducer = produceRows,
): Promise<{ result: ImportResult; audit: AuditEntry }> {
  const started = Date.now();
  const staging = stagingQueries(db);
  let position = 0;
  try {
    const summary = await produce(p, (b) => {
      for (let i = 0; i < b.hashes.length; i++) staging.stage(position++, b.hashes[i]!, b.texts[i]!, b.sources[i]!);
    }, hooks);
    staging.flush();
    if (position !== summary.rows) throw new Error(`staged ${position} rows, the reader counted ${summary.rows}`);
    return commit(db, staging, p, { ...summary, started });
  } catch (err) {
    // A failed import leaves no rejects file behind, unless its error sends the user there (every row rejected).
    if (!(err instanceof Error && err.message.includes(rejectsPathOf(p)))) fs.rmSync(rejectsPathOf(p), { force: true });
    throw err;
  } finally {
    staging.drop();
  }
}

interface Counts extends RowsSummary {
  started: number;
}

export type { ChunkingRecord } from './import-params.js';

function commit(db: Database.Database, staging: ReturnType<typeof stagingQueries>, p: ImportParams, c: Counts): { result: ImportResult; audit: AuditEntry } {
  const q = datasetQueries(db);
  const audit = new AuditLog(db);
  const tx = db.transaction(() => {
    const now = new Date().toISOString();
    let dataset = q.byName(p.datasetName);
    if (!dataset) {
      dataset = { id: randomUUID(), name: p.datasetName, kind: p.format === 'text' ? 'documents' : 'task', created_at: now, created_by: p.actor };
      q.insertDataset(dataset);
    }
    const parent = q.latestVersion(dataset.id);
    const parentHashes = parent ? [...q.parentHashes(parent.id)].map((r) => r.content_hash) : [];
    const contentHash = parent ? versionHash(chain(parentHashes, staging.stagedHashes())) : c.stagedHash;
    const versionId = randomUUID();
    const number = (parent?.number ?? 0) + 1;
    const params = { file: p.path, fileType: p.fileType, format: p.format, mapping: p.mapping, onError: p.onError, appendedTo: parent?.id ?? null, ...(c.chunking ? { chunking: c.chunking } : {}) };
    // Searchable right after the commit (SearchIndexer): indexing 1M rows inside it would double its length.
    staging.insertStagedExamples({ deferSearch: true });
    q.insertVersion({
      id: versionId, dataset_id: dataset.id, number, parent_id: parent?.id ?? null, content_hash: contentHash,
      example_count: (parent?.example_count ?? 0) + c.rows, operation: 'import', params: canonicalJson(params), created_at: now, created_by: p.actor,
    });
    if (parent) q.copyParentExamples(versionId, parent.id);
    staging.linkStaged(versionId, parent?.example_count ?? 0);
    const durationMs = Date.now() - c.started;
    q.insertImport({
      id: p.importId, dataset_id: dataset.id, version_id: versionId, source_path: p.path, source_sha256: c.sourceSha256,
      source_bytes: c.totalBytes, format: p.format, rows_imported: c.rows, rows_rejected: c.rejected, rejects_path: c.rejectsPath,
      duration_ms: durationMs, created_at: now,
    });
    const entry = audit.append({
      actor: p.actor,
      action: 'dataset.import',
      objectType: 'dataset_version',
      objectId: versionId,
      details: { dataset: p.datasetName, version: number, file: p.path, sha256: c.sourceSha256, bytes: c.totalBytes, format: p.format, rows: c.rows, rejected: c.rejected, contentHash, ...(c.chunking ? { chunking: c.chunking } : {}) },
    });
    const result: ImportResult = {
      importId: p.importId, datasetId: dataset.id, versionId, versionNumber: number, contentHash, format: p.format, fileType: p.fileType,
      rowsImported: c.rows, rowsRejected: c.rejected, rejectsPath: c.rejectsPath, sourceSha256: c.sourceSha256, durationMs,
      ...(c.chunking ? { chunking: c.chunking } : {}),
    };
    return { result, audit: entry };
  });
  return tx.immediate();
}

function* chain<T>(...iterables: Iterable<T>[]): Generator<T> {
  for (const it of iterables) yield* it;
}
