import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import { chunkText, type ChunkSize } from './documents/chunking.js';
import { DOCUMENT_EXTENSIONS, DocumentProblem, extractDocument } from './documents/extract.js';
import { loadTokenCounter, wordCounter, type TokenCounter } from './documents/tokenizer.js';
import type { SourceRecord } from './readers/record-reader.js';

export { DOCUMENT_EXTENSIONS } from './documents/extract.js';

/** How documents are cut: size and overlap in the base model's tokens, or in words when no tokenizer is given. */
export interface ChunkOptions extends ChunkSize {
  tokenizerPath: string | null;
}

export function isDocumentFile(file: string): boolean {
  return DOCUMENT_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/** Every supported file under a folder (recursively, sorted, symlinks not followed) or the one file given. */
export function listDocuments(target: string): string[] {
  const stat = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!stat) throw new LatheError('NOT_FOUND', `There is nothing at ${target}.`, 'Check the path and try again.');
  if (!stat.isDirectory()) {
    if (!isDocumentFile(target)) {
      throw new LatheError('INVALID_ARGUMENTS', `${path.basename(target)} is not a supported document.`, 'Documents are read from .txt, .md, .html, .pdf and .docx files; convert others first.');
    }
    return [target];
  }
  const files = fs
    .readdirSync(target, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && isDocumentFile(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  if (files.length === 0) throw new LatheError('INVALID_ARGUMENTS', `${target} holds no documents (.txt, .md, .html, .pdf, .docx).`, 'Choose the folder that holds your documents.');
  return files;
}

export function tokenCounterFor(opts: ChunkOptions): TokenCounter {
  return opts.tokenizerPath ? loadTokenCounter(opts.tokenizerPath) : wordCounter;
}

/** "manual.pdf:p.3-4:chars 1200-3391" — where a reader finds the chunk in its source. */
export function chunkLocator(rel: string, c: { start: number; end: number; pages: [number, number] | null }): string {
  const pages = c.pages ? `p.${c.pages[0]}${c.pages[1] !== c.pages[0] ? `-${c.pages[1]}` : ''}:` : '';
  return `${rel}:${pages}chars ${c.start}-${c.end}`;
}

export interface DocumentRecordOptions {
  chunk: ChunkOptions;
  counter: TokenCounter;
  /** Called with each file's relative path and bytes, in order (the import's sha256). */
  onFile?: (rel: string, bytes: Buffer) => void;
  /** Label of a file as users see it (the relative path inside a folder or archive). */
  relative: (file: string) => string;
}

/**
 * Chunks as source records, one document in memory at a time. A document that cannot be read becomes one
 * record with a problem (the importer aborts or skips it and lists it in the rejects file).
 */
export async function* documentRecords(files: string[], opts: DocumentRecordOptions): AsyncGenerator<SourceRecord> {
  let bytesRead = 0;
  for (const file of files) {
    const rel = opts.relative(file);
    const bytes = fs.readFileSync(file);
    opts.onFile?.(rel, bytes);
    bytesRead += bytes.length;
    let doc;
    try {
      doc = await extractDocument(file);
    } catch (err) {
      if (!(err instanceof DocumentProblem)) throw err;
      yield { locator: rel, value: undefined, problem: `${rel} ${err.message}`, raw: '', bytesRead };
      continue;
    }
    for (const c of chunkText(doc.text, doc.pageStarts, opts.chunk, opts.counter)) {
      yield { locator: chunkLocator(rel, c), value: { text: c.text }, problem: null, raw: '', bytesRead };
    }
  }
}
