import type Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { AuditEntry } from '../../shared/contract/index.js';
import type { ColumnMapping, FileType, ImportResult, TaskFormat } from '../../shared/contract/features/datasets.js';
import { AuditLog } from '../audit/audit-log.js';
import { canonicalJson } from '../audit/audit-hash.js';
import { datasetQueries, stagingQueries } from '../db/queries/datasets.js';
import { exampleHash, searchText, serializeExample, versionHash } from './content-hash.js';
import { normalizeRecord, RowProblem } from './normalize.js';
import type { TextEncoding } from './readers/encoding.js';
import type { ChunkOptions } from './documents.js';
import { openImportSource } from './run-import-source.js';
import type { SourceRecord } from './readers/record-reader.js';

export interface ImportParams {
  importId: string;
  path: string;
  datasetName: string;
  /** 'documents': one document or a folder of them (.txt .md .html .pdf .docx), chunked into text examples. */
  fileType: FileType | 'documents';
  chunk?: ChunkOptions;
  encoding: TextEncoding;
  format: TaskFormat;
  mapping: ColumnMapping;
  onError: 'abort' | 'skip';
  actor: string;
  rejectsDir: string;
}

export interface ImportProgress {
  rows: number;
  rejected: number;
  bytes: number;
  totalBytes: number;
}

export interface ImportHooks {
  onProgress?: (p: ImportProgress) => void;
  isCancelled?: () => boolean;
}

const MAX_REJECT_RAW = 10_000;

/**
 * Streams a file into a TEMP staging table, then writes the dataset version, its examples, the import record
 * and the audit entry in one short IMMEDIATE transaction. An error, a cancel or a killed process before that
 * commit leaves the library exactly as it was.
 */
export async function runImport(db: Database.Database, p: ImportParams, hooks: ImportHooks = {}): Promise<{ result: ImportResult; audit: AuditEntry }> {
  const started = Date.now();
  const staging = stagingQueries(db);
  const rejectsPath = path.join(p.rejectsDir, `${p.importId}.rejects.jsonl`);
  let rejects: number | null = null;
  let rows = 0;
  let rejected = 0;
  let bytes = 0;
  const documents = p.fileType === 'documents';
  const source = await openImportSource(p);
  const { batches, totalBytes, chunking } = source;
  // The version hash over the staged rows, kept as they stream; used when the version has no parent.
  const running = createHash('sha256');
  try {
    const take = (rec: SourceRecord) => {
      bytes = rec.bytesRead;
      let problem = rec.problem;
      if (!problem) {
        try {
          const content = normalizeRecord(rec.value, p.format, p.mapping);
          const text = serializeExample(content);
          const hash = exampleHash(text);
          staging.stage(rows, hash, text, source.sourceOf(rec), null, searchText(content));
          running.update(hash).update('\n');
          rows += 1;
        } catch (err) {
          if (!(err instanceof RowProblem)) throw err;
          problem = err.message;
        }
      }
      if (problem) {
        if (p.onError === 'abort') {
          throw new LatheError(
            'INVALID_ARGUMENTS',
            documents ? `${problem}. Nothing was imported.` : `${path.basename(p.path)}, ${rec.locator}: ${problem}. Nothing was imported.`,
            documents
              ? 'Fix or remove that file and import again, or choose "skip bad files" to import the rest; skipped files are listed in a rejects file.'
              : 'Fix that row and import again, or choose "skip bad rows" to import the rest and keep the bad rows in a rejects file.',
          );
        }
        rejected += 1;
        if (rejects === null) {
          fs.mkdirSync(p.rejectsDir, { recursive: true });
          rejects = fs.openSync(rejectsPath, 'w');
        }
        fs.writeSync(rejects, JSON.stringify({ locator: rec.locator, problem, raw: rec.raw.slice(0, MAX_REJECT_RAW) }) + '\n');
      }
      if (documents || (rows + rejected) % 1000 === 0) hooks.onProgress?.({ rows, rejected, bytes, totalBytes });
    };
    for await (const batch of batches) {
      if (hooks.isCancelled?.()) throw new LatheError('CANCELLED', 'The import was cancelled; nothing was written.', 'Start it again when you are ready.');
      for (const rec of batch) take(rec);
    }
    staging.flush();
    hooks.onProgress?.({ rows, rejected, bytes: totalBytes, totalBytes });
    if (rows === 0) {
      throw new LatheError('INVALID_ARGUMENTS', `${path.basename(p.path)} produced no examples${rejected ? ` (${rejected} rows rejected)` : ''}.`, 'Check the format and field mapping in the preview.');
    }
    const sourceSha256 = source.sha256();
    const committed = commit(db, staging, p, { rows, rejected, sourceSha256, totalBytes, rejectsPath: rejected ? rejectsPath : null, started, chunking, stagedHash: running.digest('hex') });
    return committed;
  } catch (err) {
    if (rejects !== null) fs.rmSync(rejectsPath, { force: true });
    throw err;
  } finally {
    if (rejects !== null) fs.closeSync(rejects);
    staging.drop();
    source.cleanup();
  }
}

interface Counts {
  rows: number;
  rejected: number;
  sourceSha256: string;
  totalBytes: number;
  rejectsPath: string | null;
  started: number;
  /** Documents: how they were chunked (unit, tokenizer + sha256, or the note that words were used). */
  chunking: ChunkingRecord | null;
  /** versionHash of the staged rows alone: the version's hash when there is no parent to put first. */
  stagedHash: string;
}

export type ChunkingRecord = NonNullable<ImportResult['chunking']>;

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
    staging.insertStagedExamples();
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
