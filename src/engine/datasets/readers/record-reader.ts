import { parse as parseCsv } from 'csv-parse';
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { LatheError } from '../../../shared/contract/errors.js';
import type { FileType } from '../../../shared/contract/features/datasets.js';
import { type TextEncoding } from './encoding.js';
import { readLineBatches, type Line } from './line-reader.js';
import { parquetRecords } from './parquet-reader.js';
import type { SourceRecord } from './source-record.js';
import { duplicateKeysByItem, findDuplicateKey } from './json-keys.js';

export type { SourceRecord } from './source-record.js';

export interface RecordReaderOptions {
  fileType: FileType;
  encoding: TextEncoding;
  maxLineBytes?: number;
  onChunk?: (chunk: Buffer) => void;
}

const DEFAULT_MAX_LINE = 64 * 1024 * 1024;
const MAX_JSON_ARRAY_BYTES = 512 * 1024 * 1024;

export function fileTypeFromPath(path: string): FileType | null {
  const ext = path.toLowerCase().split('.').pop() ?? '';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'json') return 'json';
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv' || ext === 'tab') return 'tsv';
  if (ext === 'parquet' || ext === 'pq') return 'parquet';
  return null;
}

/** Streams source records from any supported file type. */
export function readRecords(path: string, opts: RecordReaderOptions): AsyncGenerator<SourceRecord> {
  switch (opts.fileType) {
    case 'jsonl':
      return jsonlRecords(path, opts);
    case 'json':
      return jsonArrayRecords(path, opts);
    case 'csv':
    case 'tsv':
      return csvRecords(path, opts);
    case 'parquet':
      return parquetRecords(path, opts.onChunk);
  }
}

async function* jsonlRecords(path: string, opts: RecordReaderOptions): AsyncGenerator<SourceRecord> {
  for await (const batch of jsonlBatches(path, opts)) yield* batch;
}

/**
 * Streams source records in batches: one per read chunk for JSON Lines, up to BATCH records otherwise. The
 * import loops over these, because one async step per record costs as much as parsing a short row.
 */
export async function* readRecordBatches(path: string, opts: RecordReaderOptions): AsyncGenerator<SourceRecord[]> {
  if (opts.fileType === 'jsonl') {
    yield* jsonlBatches(path, opts);
    return;
  }
  let batch: SourceRecord[] = [];
  for await (const rec of readRecords(path, opts)) {
    batch.push(rec);
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

const BATCH = 1000;

async function* jsonlBatches(path: string, opts: RecordReaderOptions): AsyncGenerator<SourceRecord[]> {
  for await (const lines of readLineBatches(path, { encoding: opts.encoding, maxLineBytes: opts.maxLineBytes ?? DEFAULT_MAX_LINE, onChunk: opts.onChunk })) {
    const out: SourceRecord[] = [];
    for (const line of lines) {
      const rec = jsonlRecord(line);
      if (rec) out.push(rec);
    }
    if (out.length) yield out;
  }
}

function jsonlRecord(line: Line): SourceRecord | null {
  const locator = `line ${line.lineNo}`;
  if (line.text === null) return { locator, value: undefined, problem: line.problem, raw: '', bytesRead: line.bytesRead };
  if (!line.text.trim()) return null;
  let value: unknown;
  let problem: string | null = null;
  try {
    value = JSON.parse(line.text);
  } catch (err) {
    const t = line.text.trim();
    problem = t === '[' || t === ']' || t === ']' + ',' ? `expected a JSON object, got '${t}' (is this a JSON array file? name it .json)` : `is not valid JSON (${(err as Error).message})`;
  }
  if (!problem) {
    const dup = findDuplicateKey(line.text);
    if (dup) problem = duplicateProblem(dup.key);
  }
  return { locator, value, problem, raw: line.text, bytesRead: line.bytesRead };
}

async function* jsonArrayRecords(path: string, opts: RecordReaderOptions): AsyncGenerator<SourceRecord> {
  const size = fs.statSync(path).size;
  if (size > MAX_JSON_ARRAY_BYTES) {
    throw new LatheError('INVALID_ARGUMENTS', `${path} is a ${Math.round(size / 1048576)} MB JSON document; Lathe reads JSON arrays up to 512 MB at once.`, 'Convert it to JSON Lines (one object per line), which streams at any size.');
  }
  const buf = fs.readFileSync(path);
  opts.onChunk?.(buf);
  let text: string;
  try {
    const enc = opts.encoding === 'utf-8-bom' ? 'utf-8' : opts.encoding;
    text = new TextDecoder(enc, { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    throw new LatheError('INVALID_ARGUMENTS', `${path} is not valid ${opts.encoding} text.`, 'Save the file as UTF-8 and import it again.');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `${path} is not valid JSON: ${(err as Error).message}.`, 'Fix the file, or save it as JSON Lines so one bad record does not stop the rest.');
  }
  const dup = findDuplicateKey(text);
  const dupItems = dup && Array.isArray(doc) ? duplicateKeysByItem(text) : new Map<number, string>();
  if (dup && dup.item === null) throw new LatheError('INVALID_ARGUMENTS', `${path}: ${duplicateProblem(dup.key)}.`, 'Remove the repeated key so each value is chosen on purpose, then import again.');
  const items = Array.isArray(doc) ? doc : findArray(doc);
  if (!items) throw new LatheError('INVALID_ARGUMENTS', `${path} holds no list of examples.`, 'Expected a JSON array of objects, or an object with a "data", "examples", "rows" or "items" array.');
  for (let i = 0; i < items.length; i++) {
    const dupKey = dupItems.get(i);
    const problem = dupKey !== undefined ? duplicateProblem(dupKey) : null;
    yield { locator: `item ${i + 1}`, value: problem ? undefined : items[i], problem, raw: problem ? JSON.stringify(items[i]) : '', bytesRead: Math.round(((i + 1) / items.length) * size) };
  }
}

function duplicateProblem(key: string): string {
  return `has the key "${key}" twice in one object (JSON would silently keep the last value)`;
}

function findArray(doc: unknown): unknown[] | null {
  if (typeof doc !== 'object' || doc === null) return null;
  for (const key of ['data', 'examples', 'rows', 'items']) {
    const v = (doc as Record<string, unknown>)[key];
    if (Array.isArray(v)) return v;
  }
  return null;
}

async function* csvRecords(path: string, opts: RecordReaderOptions): AsyncGenerator<SourceRecord> {
  if (opts.encoding === 'utf-16le' || opts.encoding === 'utf-16be') {
    throw new LatheError('INVALID_ARGUMENTS', `${path} is UTF-16; CSV import reads UTF-8.`, 'Save the file as "CSV UTF-8" (Excel: File → Save As → CSV UTF-8) and import it again.');
  }
  let bytesRead = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytesRead += chunk.length;
      opts.onChunk?.(chunk);
      cb(null, chunk);
    },
  });
  const parser = parseCsv({
    columns: (header: string[]) => header.map((h) => h.trim()),
    bom: true,
    delimiter: opts.fileType === 'tsv' ? '\t' : ',',
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    max_record_size: opts.maxLineBytes ?? DEFAULT_MAX_LINE,
  });
  fs.createReadStream(path).pipe(counter).pipe(parser);
  let row = 0;
  let invalidSoFar = 0; // csv-parse counts rows with a wrong column count cumulatively
  try {
    for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; invalid_field_length: number } }>) {
      row += 1;
      const locator = `row ${row} (line ${rec.info.lines})`;
      const problem = rec.info.invalid_field_length > invalidSoFar ? 'has a different number of columns than the header' : null;
      invalidSoFar = rec.info.invalid_field_length;
      yield { locator, value: problem ? undefined : rec.record, problem, raw: problem ? JSON.stringify(rec.record) : '', bytesRead };
    }
  } catch (err) {
    const e = err as Error & { lines?: number; code?: string };
    throw new LatheError(
      'INVALID_ARGUMENTS',
      `${path}, line ${e.lines ?? '?'}: ${e.message.replace(/^Invalid Record Length: /, '')}`,
      e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'A quoted field is never closed: check for a stray " in that line.' : 'Fix the CSV at that line, or export it again from the source application.',
    );
  }
}
