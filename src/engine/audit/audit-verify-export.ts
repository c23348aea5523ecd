import { parse } from 'csv-parse/sync';
import { LatheError } from '../../shared/contract/errors.js';
import { auditEntryHash, GENESIS_HASH, type HashedFields } from './audit-hash.js';
import { CSV_COLUMNS } from './audit-export.js';

export interface ExportVerifyResult {
  ok: boolean;
  checked: number;
  /** True when the file starts at entry #1 and has no gaps: the whole chain, not a filtered selection. */
  complete: boolean;
  /** Places where the sequence jumps (a filtered export): links across a gap cannot be checked. */
  gaps: number;
  firstBroken: { seq: number; reason: string } | null;
}

/**
 * Checks an audit export from its text alone: each entry's hash against its fields, and each link to the entry
 * before it wherever the sequence is consecutive. A filtered export verifies entry by entry; a complete one
 * verifies the whole chain from #1. Reordered, edited, inserted or removed rows are named by sequence number.
 */
export function verifyAuditExport(text: string, format: 'json' | 'csv'): ExportVerifyResult {
  const { entries, declaredComplete, count } = readExport(text, format);
  let prev: HashedFields & { hash: string } | null = null;
  let gaps = 0;
  let checked = 0;
  const broken = (seq: number, reason: string): ExportVerifyResult => ({ ok: false, checked, complete: false, gaps, firstBroken: { seq, reason } });
  for (const e of entries) {
    if (prev && e.seq <= prev.seq) return broken(e.seq, `entry #${e.seq} comes after #${prev.seq}: rows were reordered or duplicated`);
    if (auditEntryHash(e) !== e.hash) return broken(e.seq, 'its content does not match its hash: the entry was changed');
    const linked = prev ? prev.seq + 1 === e.seq : e.seq === 1;
    if (linked && e.prevHash !== (prev?.hash ?? GENESIS_HASH)) return broken(e.seq, 'its link to the previous entry does not match: an entry before it was replaced');
    if (!linked && declaredComplete) return broken(e.seq, `the export is complete but entry #${prev ? prev.seq + 1 : 1} is missing: an entry was removed`);
    if (!linked) gaps++;
    prev = e;
    checked++;
  }
  if (count !== null && count !== entries.length) return broken(entries.at(-1)?.seq ?? 0, `the file says it holds ${count} entries but has ${entries.length}: entries were removed or added`);
  return { ok: true, checked, complete: gaps === 0, gaps, firstBroken: null };
}

type Entry = HashedFields & { hash: string };

function readExport(text: string, format: 'json' | 'csv') {
  return format === 'json' ? fromJson(text) : { entries: fromCsv(text), declaredComplete: false, count: null };
}

/**
 * An export a reviewer kept is a witness: every entry in it must still be in the log, with the same hash. This
 * catches what the chain alone cannot — someone who rewrote an entry and recomputed every hash after it, or cut
 * entries off the end of the log. Returns the first entry of the export that the log no longer holds as it was.
 */
export function compareExportWithLog(text: string, format: 'json' | 'csv', hashAt: (seq: number) => string | null): { ok: boolean; compared: number; firstDifferent: { seq: number; reason: string } | null } {
  const { entries } = readExport(text, format);
  let compared = 0;
  for (const e of entries) {
    const now = hashAt(e.seq);
    if (now === null) return { ok: false, compared, firstDifferent: { seq: e.seq, reason: 'the log no longer has this entry: entries were removed since the export' } };
    if (now !== e.hash) return { ok: false, compared, firstDifferent: { seq: e.seq, reason: 'the log holds a different entry under this number: the log was rewritten since the export' } };
    compared++;
  }
  return { ok: true, compared, firstDifferent: null };
}

function fromJson(text: string): { entries: Entry[]; declaredComplete: boolean; count: number | null } {
  let doc: { format?: unknown; entries?: unknown; complete?: unknown; count?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `The file is not valid JSON: ${(err as Error).message}.`, 'Pass the .json file written by “Export JSON” on the Audit page or `lathe audit export`.');
  }
  if (doc.format !== 'lathe-audit-export' || !Array.isArray(doc.entries)) {
    throw new LatheError('INVALID_ARGUMENTS', 'This JSON file is not a Lathe audit export (no "format": "lathe-audit-export" with entries).', 'Export the audit log again from the Audit page.');
  }
  const entries = doc.entries.map((raw, i): Entry => {
    const e = raw as Record<string, unknown>;
    if (typeof e.seq !== 'number' || typeof e.details !== 'string' || typeof e.hash !== 'string') {
      throw new LatheError('INVALID_ARGUMENTS', `Entry ${i + 1} of the export is malformed (seq, details text and hash are needed).`, 'Export the audit log again; do not edit the file.');
    }
    return { seq: e.seq, at: String(e.at), actor: String(e.actor), action: String(e.action), objectType: String(e.objectType), objectId: e.objectId === null ? null : String(e.objectId), details: e.details, prevHash: String(e.prevHash), hash: e.hash };
  });
  return { entries, declaredComplete: doc.complete === true, count: typeof doc.count === 'number' ? doc.count : null };
}

function fromCsv(text: string): Entry[] {
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: false, bom: true }) as string[][];
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `The CSV file cannot be read: ${(err as Error).message}.`, 'Pass the .csv file written by “Export CSV”; spreadsheet programs may rewrite it — verify the original.');
  }
  const [header, ...body] = rows;
  if (!header || header.join(',') !== CSV_COLUMNS.join(',')) {
    throw new LatheError('INVALID_ARGUMENTS', `The CSV header is not ${CSV_COLUMNS.join(',')}.`, 'Pass an audit export written by Lathe, unmodified.');
  }
  return body.map(([seq, at, actor, action, objectType, objectId, details, prevHash, hash]) => ({
    seq: Number(seq), at: at!, actor: actor!, action: action!, objectType: objectType!, objectId: objectId === '' ? null : objectId!, details: details!, prevHash: prevHash!, hash: hash!,
  }));
}
