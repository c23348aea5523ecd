import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import { datasetQueries, type VersionRow } from '../db/queries/datasets.js';
import { requireVersion, versionRows } from '../datasets/version-writer.js';

export interface SourceChunk {
  position: number;
  hash: string;
  text: string;
  /** "manual.pdf:p.3-4:chars 1200-3391", as the document import wrote it. */
  locator: string;
  /** Which of the N examples asked of this chunk (0..N-1); each has its own seed. */
  variant?: number;
}

/** Which chunks of a version to generate from; every part that is set must match. */
export interface ChunkFilter {
  /** Case-insensitive text the chunk must contain. */
  text?: string | undefined;
  /** The source document's name (as in the locator), case-insensitive; a part of the name matches. */
  document?: string | undefined;
  /** Inclusive page range the chunk's pages must overlap (chunks without pages never match). */
  pages?: [number, number] | undefined;
}

export function chunkMatches(chunk: SourceChunk, filter: ChunkFilter | null | undefined): boolean {
  if (!filter) return true;
  if (filter.text && !chunk.text.toLowerCase().includes(filter.text.toLowerCase())) return false;
  const where = parseLocator(chunk.locator);
  if (filter.document && !where.document.toLowerCase().includes(filter.document.toLowerCase())) return false;
  if (filter.pages) {
    if (!where.pages) return false;
    const [from, to] = filter.pages;
    if (where.pages[1] < from || where.pages[0] > to) return false;
  }
  return true;
}

/** The chunks a generation reads: the text examples of a documents version that match `filter`, in order, at most `limit`. */
export function loadChunks(db: Database.Database, versionId: string, limit = Number.POSITIVE_INFINITY, filter?: ChunkFilter | null): { version: VersionRow; chunks: SourceChunk[] } {
  const version = requireVersion(db, versionId);
  const dataset = datasetQueries(db).datasetById(version.dataset_id);
  if (dataset?.kind !== 'documents') {
    throw new LatheError('INVALID_ARGUMENTS', `"${dataset?.name ?? version.dataset_id}" is a task dataset; generation reads document chunks.`, 'Import your manuals or policies as documents (PDF, DOCX, HTML, TXT), then pick that version.');
  }
  const chunks: SourceChunk[] = [];
  for (const row of versionRows(db, version)) {
    if (chunks.length >= limit) break;
    const content = JSON.parse(row.content) as ExampleContent;
    if (content.kind !== 'text') continue;
    const chunk = { position: row.position, hash: row.content_hash, text: content.text, locator: row.source };
    if (chunkMatches(chunk, filter)) chunks.push(chunk);
  }
  if (chunks.length === 0 && filter && (filter.text || filter.document || filter.pages)) {
    throw new LatheError('INVALID_ARGUMENTS', `No chunk of version ${version.number} matches the filter.`, 'Loosen the filter: check the search text, the document name and the page range.');
  }
  if (chunks.length === 0) throw new LatheError('INVALID_ARGUMENTS', `Version ${version.number} holds no document chunks.`, 'Pick a version made by a document import.');
  return { version, chunks };
}

/** Splits a chunk locator into document, pages and character offsets (each null when the locator lacks it). */
export function parseLocator(locator: string): { document: string; pages: [number, number] | null; chars: [number, number] | null } {
  const m = /^(.*?):(?:p\.(\d+)(?:-(\d+))?:)?chars (\d+)-(\d+)$/.exec(locator);
  if (!m) return { document: locator, pages: null, chars: null };
  const p0 = m[2] ? Number(m[2]) : null;
  return {
    document: m[1]!,
    pages: p0 === null ? null : [p0, m[3] ? Number(m[3]) : p0],
    chars: [Number(m[4]), Number(m[5])],
  };
}
