import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DocumentPreview } from '../../../shared/contract/features/datasets.js';
import { isArchive, openArchive } from '../archive/archive-source.js';
import { documentRecords, listDocuments, tokenCounterFor, type ChunkOptions } from '../documents.js';

/**
 * What a document import would make: the files found and the first chunks (with pages and offsets). Reads
 * only until `limit` chunks exist, so a large folder previews quickly. Unreadable files are listed as problems.
 */
export async function previewDocuments(target: string, chunk: ChunkOptions, limit: number): Promise<DocumentPreview> {
  const counter = tokenCounterFor(chunk);
  let files: string[];
  let label: (f: string) => string;
  let cleanup = () => {};
  let kind: DocumentPreview['kind'];
  if (isArchive(target)) {
    const archive = await openArchive(target, fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-preview-')));
    cleanup = archive.cleanup;
    files = archive.documents;
    label = archive.label;
    kind = 'archive';
  } else {
    files = listDocuments(target);
    const isDir = fs.statSync(target).isDirectory();
    const root = isDir ? target : path.dirname(target);
    label = (f) => path.relative(root, f) || path.basename(f);
    kind = isDir ? 'folder' : 'file';
  }
  try {
    const chunks: DocumentPreview['chunks'] = [];
    const problems: string[] = [];
    for await (const rec of documentRecords(files, { chunk, counter, relative: label })) {
      if (rec.problem) problems.push(rec.problem);
      else chunks.push({ locator: rec.locator, text: (rec.value as { text: string }).text });
      if (chunks.length >= limit) break;
    }
    const listed = files.map((f) => ({ file: label(f), type: path.extname(f).slice(1).toLowerCase(), bytes: fs.statSync(f).size }));
    return {
      path: target,
      kind,
      files: listed.slice(0, 200),
      fileCount: listed.length,
      totalBytes: listed.reduce((n, f) => n + f.bytes, 0),
      chunking: { ...counter.describe, size: chunk.size, overlap: chunk.overlap },
      chunks,
      problems,
    };
  } finally {
    cleanup();
  }
}
