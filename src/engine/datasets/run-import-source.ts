import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { FileType } from '../../shared/contract/features/datasets.js';
import { isArchive } from './archive/is-archive.js';
import { textProblem } from './readers/encoding.js';
import { readRecordBatches, type SourceRecord } from './readers/record-reader.js';
import type { ChunkingRecord, ImportParams } from './import-params.js';

export interface ImportSource {
  /** Records in batches (a chunk of JSON Lines, up to 1000 rows, or one document chunk), in file order. */
  batches: AsyncIterable<SourceRecord[]>;
  totalBytes: number;
  /** The `source` stored with each example: "qa.jsonl:line 3", "manual/a.pdf:p.2:chars 0-1830". */
  sourceOf: (rec: SourceRecord) => string;
  chunking: ChunkingRecord | null;
  /** The import's sha256: a file's bytes; a folder's relative paths + bytes; an archive's bytes. Ready after `records` ends. */
  sha256: () => string;
  cleanup: () => void;
}

/** Opens what an import reads: one task file, documents (file or folder), or a zip of either (unpacked safely first). */
export async function openImportSource(p: ImportParams): Promise<ImportSource> {
  const hash = createHash('sha256');
  const name = path.basename(p.path);
  let cleanup = () => {};
  let root = p.path;
  let label: ((f: string) => string) | null = null;
  let taskFiles: Array<{ file: string; fileType: FileType }> | null = null;
  let documents: string[] | null = null;
  if (isArchive(p.path)) {
    for await (const chunk of fs.createReadStream(p.path) as AsyncIterable<Buffer>) hash.update(chunk);
    // Loaded on demand: a plain task file's reader thread starts without the zip and document parsers.
    const { openArchive } = await import('./archive/archive-source.js');
    const archive = await openArchive(p.path, path.join(p.rejectsDir, `${p.importId}.unzipped`));
    cleanup = archive.cleanup;
    root = archive.dir;
    label = archive.label;
    if (p.fileType === 'documents') {
      documents = archive.documents;
      if (!documents.length) {
        cleanup();
        throw new LatheError('INVALID_ARGUMENTS', `${name} holds no documents (.txt .md .html .pdf .docx).`, 'Import it as task data instead, or choose another archive.');
      }
    } else {
      taskFiles = archive.taskFiles.filter((t) => t.fileType === p.fileType);
      const other = archive.taskFiles.find((t) => t.fileType !== p.fileType);
      if (other || !taskFiles.length) {
        cleanup();
        throw new LatheError('INVALID_ARGUMENTS', `${name} mixes task files of different types (${other ? label(other.file) : 'none'} is not ${p.fileType}).`, 'Put one kind of task file in an archive (all .jsonl, or all .csv, …).');
      }
    }
  } else if (p.fileType === 'documents') {
    const { listDocuments } = await import('./documents.js');
    documents = listDocuments(p.path);
    if (!fs.statSync(p.path).isDirectory()) root = path.dirname(p.path);
  } else {
    taskFiles = [{ file: p.path, fileType: p.fileType }];
  }

  const hashFiles = !isArchive(p.path);
  if (documents) {
    const { documentRecords, tokenCounterFor } = await import('./documents.js');
    const chunk = p.chunk ?? { size: 512, overlap: 64, tokenizerPath: null };
    const counter = tokenCounterFor(chunk);
    const relative = label ?? ((f: string) => path.relative(root, f) || path.basename(f));
    return {
      batches: singles(documentRecords(documents, { chunk, counter, relative, onFile: hashFiles ? (rel, b) => hash.update(rel).update('\0').update(b) : undefined })),
      totalBytes: documents.reduce((n, f) => n + fs.statSync(f).size, 0),
      sourceOf: (rec) => rec.locator,
      chunking: { ...counter.describe, size: chunk.size, overlap: chunk.overlap },
      sha256: () => hash.digest('hex'),
      cleanup,
    };
  }
  const files = taskFiles!;
  for (const { file, fileType } of files) {
    const textual = fileType === 'parquet' ? null : textProblem(file, p.encoding);
    if (textual?.wholeFile) {
      cleanup();
      throw new LatheError('INVALID_ARGUMENTS', `${label ? label(file) : name} ${textual.message}. Nothing was imported.`, 'Lathe reads task data as UTF-8 (or UTF-16 with a byte-order mark) JSON Lines, JSON, CSV or TSV, and Parquet.');
    }
  }
  const sizes = files.map((t) => fs.statSync(t.file).size);
  const multi = label !== null;
  async function* chained(): AsyncGenerator<SourceRecord[]> {
    let before = 0;
    for (let i = 0; i < files.length; i++) {
      const { file, fileType } = files[i]!;
      const prefix = multi ? `${label!(file).slice(name.length + 1)}:` : '';
      for await (const batch of readRecordBatches(file, { fileType, encoding: p.encoding, onChunk: hashFiles ? (c) => hash.update(c) : undefined })) {
        yield batch.map((rec) => ({ ...rec, locator: prefix + rec.locator, bytesRead: before + rec.bytesRead }));
      }
      before += sizes[i]!;
    }
  }
  const single = !multi && files.length === 1 ? files[0]! : null;
  return {
    batches: single ? readRecordBatches(single.file, { fileType: single.fileType, encoding: p.encoding, onChunk: (c) => hash.update(c) }) : chained(),
    totalBytes: sizes.reduce((a, b) => a + b, 0),
    sourceOf: (rec) => `${name}:${rec.locator}`,
    chunking: null,
    sha256: () => hash.digest('hex'),
    cleanup,
  };
}

/** Document chunks are few and slow to make: each is its own batch, so progress and cancel stay prompt. */
async function* singles<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of items) yield [item];
}
