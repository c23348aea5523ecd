import fs from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { LatheError } from '../../../shared/contract/errors.js';
import type { SourceRecord } from './source-record.js';

/**
 * Streams a Parquet file one row group at a time: only the footer and the current row group's column chunks
 * are ever in memory, so a file of any size imports in bounded memory (as long as one row group fits).
 * The sha256 is taken by a separate streaming pass over the bytes (`onChunk`), before the rows.
 */
export async function* parquetRecords(path: string, onChunk?: (chunk: Buffer) => void): AsyncGenerator<SourceRecord> {
  if (onChunk) {
    for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) onChunk(chunk);
  }
  const file = await asyncBufferFromFile(path);
  const metadata = await readMetadata(path, file);
  const groups = metadata.row_groups;
  let rowStart = 0;
  let bytesRead = 0;
  const totalRows = Number(metadata.num_rows);
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const rows = Number(group.num_rows);
    let objects: Array<Record<string, unknown>>;
    try {
      objects = await parquetReadObjects({ file, metadata, rowStart, rowEnd: rowStart + rows });
    } catch (err) {
      throw new LatheError('INVALID_ARGUMENTS', `${path}, row group ${g + 1} (rows ${rowStart + 1}–${rowStart + rows}): ${(err as Error).message}.`, 'The Parquet file is damaged or uses an encoding Lathe cannot read; export it again or convert it to JSON Lines.');
    }
    // Progress by file position: the row group's share of the file, as rows complete.
    const groupBytes = Number(group.total_compressed_size ?? group.total_byte_size ?? 0);
    for (let i = 0; i < objects.length; i++) {
      const value = plainValue(objects[i]);
      const fraction = (i + 1) / objects.length;
      yield {
        locator: `row ${rowStart + i + 1}`,
        value,
        problem: null,
        raw: '',
        bytesRead: Math.min(file.byteLength, Math.round(bytesRead + fraction * groupBytes)),
      };
    }
    bytesRead += groupBytes;
    rowStart += rows;
  }
  if (rowStart !== totalRows) throw new LatheError('INVALID_ARGUMENTS', `${path}: the footer promises ${totalRows} rows but the row groups hold ${rowStart}.`, 'The file is damaged; export it again.');
}

async function readMetadata(path: string, file: Awaited<ReturnType<typeof asyncBufferFromFile>>): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file);
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `${path} is not a readable Parquet file (${(err as Error).message}).`, 'Check that the file is complete (a Parquet file ends with its footer and "PAR1"), or export it again.');
  }
}

/** Parquet INT64 arrives as bigint, binary as Uint8Array, dates as Date: make rows JSON-shaped like the other readers. */
export function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plainValue(x);
    return out;
  }
  return v;
}
