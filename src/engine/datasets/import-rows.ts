import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { exampleHash, serializeExample } from './content-hash.js';
import { normalizeRecord, RowProblem } from './normalize.js';
import type { SourceRecord } from './readers/record-reader.js';
import { openImportSource } from './run-import-source.js';
import type { ChunkingRecord, ImportHooks, ImportParams } from './import-params.js';

/** Examples ready to stage, in file order: content hash, canonical JSON, and where each came from. */
export interface RowBatch {
  hashes: string[];
  texts: string[];
  sources: string[];
}

export interface RowsSummary {
  rows: number;
  rejected: number;
  sourceSha256: string;
  totalBytes: number;
  rejectsPath: string | null;
  chunking: ChunkingRecord | null;
  /** versionHash of these rows alone, kept as they streamed (the version's hash when it has no parent). */
  stagedHash: string;
}

const MAX_REJECT_RAW = 10_000;

export const importCancelled = () => new LatheError('CANCELLED', 'The import was cancelled; nothing was written.', 'Start it again when you are ready.');

export const rejectsPathOf = (p: ImportParams) => path.join(p.rejectsDir, `${p.importId}.rejects.jsonl`);

/**
 * The reading half of an import, with no database: reads the source, turns each record into an example (or a
 * reject), and hands them on batch by batch. Bad rows abort with file, line and reason, or go to the rejects
 * file. `emit` may return a promise: the reader waits for it (back-pressure from a slower writer).
 */
export async function produceRows(p: ImportParams, emit: (batch: RowBatch) => void | Promise<void>, hooks: ImportHooks = {}): Promise<RowsSummary> {
  const rejectsPath = rejectsPathOf(p);
  let rejects: number | null = null;
  let keepRejects = false;
  let rows = 0;
  let rejected = 0;
  let bytes: number;
  const documents = p.fileType === 'documents';
  const source = await openImportSource(p);
  const { batches, totalBytes, chunking } = source;
  const running = createHash('sha256');
  try {
    for await (const batch of batches) {
      if (hooks.isCancelled?.()) throw importCancelled();
      const out: RowBatch = { hashes: [], texts: [], sources: [] };
      for (const rec of batch) {
        bytes = rec.bytesRead;
        const problem = rec.problem ?? take(rec, out);
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
          // Readers that parse a whole document (JSON arrays, Parquet) keep no source text per record: write the value.
          const raw = rec.raw || (rec.value !== undefined ? JSON.stringify(rec.value) ?? '' : '');
          fs.writeSync(rejects, JSON.stringify({ locator: rec.locator, problem, raw: raw.slice(0, MAX_REJECT_RAW) }) + '\n');
        }
        if (documents || (rows + rejected) % 1000 === 0) hooks.onProgress?.({ rows, rejected, bytes, totalBytes });
      }
      if (out.hashes.length) await emit(out);
    }
    hooks.onProgress?.({ rows, rejected, bytes: totalBytes, totalBytes });
    if (rows === 0) {
      keepRejects = rejected > 0; // every row was rejected: the rejects file is how the user learns why
      throw new LatheError(
        'INVALID_ARGUMENTS',
        `${path.basename(p.path)} produced no examples${rejected ? ` (all ${rejected} rows rejected; each one and its reason is in ${rejectsPath})` : ''}.`,
        'Check the format and field mapping in the preview; nothing was imported.',
      );
    }
    return { rows, rejected, sourceSha256: source.sha256(), totalBytes, rejectsPath: rejected ? rejectsPath : null, chunking, stagedHash: running.digest('hex') };
  } catch (err) {
    if (rejects !== null && !keepRejects) fs.rmSync(rejectsPath, { force: true });
    throw err;
  } finally {
    if (rejects !== null) fs.closeSync(rejects);
    source.cleanup();
  }

  /** One record into `out`; returns the reason when it is not a valid example. */
  function take(rec: SourceRecord, out: RowBatch): string | null {
    try {
      const text = serializeExample(normalizeRecord(rec.value, p.format, p.mapping));
      const hash = exampleHash(text);
      out.hashes.push(hash);
      out.texts.push(text);
      out.sources.push(source.sourceOf(rec));
      running.update(hash).update('\n');
      rows += 1;
      return null;
    } catch (err) {
      if (!(err instanceof RowProblem)) throw err;
      return err.message;
    }
  }
}
