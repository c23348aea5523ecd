import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';

/** Plain-text documents for continued pre-training. PDF, DOCX and HTML parsers come in a later slice. */
export const DOCUMENT_EXTENSIONS = new Set(['.txt', '.md', '.markdown']);
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

export interface DocumentChunk {
  text: string;
  /** "manual.md:words 0-511", where a reader finds the chunk in its source. */
  locator: string;
  file: string;
}

export interface ChunkOptions {
  /** Chunk size in words (a stand-in for tokens until the base model's tokenizer is wired in). */
  chunkWords: number;
  overlapWords: number;
}

/** Every supported file under a folder (recursively, sorted, symlinks not followed) or the one file given. */
export function listDocuments(target: string): string[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new LatheError('NOT_FOUND', `There is nothing at ${target}.`, 'Check the path and try again.');
  if (stat.isFile()) {
    if (!DOCUMENT_EXTENSIONS.has(path.extname(target).toLowerCase())) {
      throw new LatheError('INVALID_ARGUMENTS', `${path.basename(target)} is not a supported document.`, 'Documents are read from .txt and .md files for now; convert others to text first.');
    }
    return [target];
  }
  const files = fs
    .readdirSync(target, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && DOCUMENT_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  if (files.length === 0) throw new LatheError('INVALID_ARGUMENTS', `${target} holds no .txt or .md documents.`, 'Choose the folder that holds your documents.');
  return files;
}

/** Splits one document into overlapping word windows, never reading more than one file into memory. */
export function* chunkDocument(file: string, root: string, opts: ChunkOptions): Generator<DocumentChunk> {
  if (opts.overlapWords >= opts.chunkWords) throw new LatheError('INVALID_ARGUMENTS', 'The overlap must be smaller than the chunk.', 'Use an overlap of about a tenth of the chunk size.');
  const size = fs.statSync(file).size;
  if (size > MAX_DOCUMENT_BYTES) throw new LatheError('INVALID_ARGUMENTS', `${file} is larger than 256 MB.`, 'Split it into smaller files.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file)).replace(/^\uFEFF/, '');
  } catch {
    throw new LatheError('INVALID_ARGUMENTS', `${file} is not valid UTF-8 text.`, 'Save it as UTF-8 and import again.');
  }
  const words = text.split(/\s+/).filter(Boolean);
  const rel = path.relative(root, file) || path.basename(file);
  const step = opts.chunkWords - opts.overlapWords;
  for (let start = 0; start < words.length; start += step) {
    const end = Math.min(words.length, start + opts.chunkWords);
    yield { text: words.slice(start, end).join(' '), locator: `${rel}:words ${start}-${end - 1}`, file };
    if (end === words.length) break;
  }
}
