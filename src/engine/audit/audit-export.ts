import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { auditQueries, type AuditFilter, type AuditRow } from '../db/queries/audit.js';
import { GENESIS_HASH } from './audit-hash.js';

export type AuditExportFormat = 'json' | 'csv';
export const CSV_COLUMNS = ['seq', 'at', 'actor', 'action', 'object_type', 'object_id', 'details', 'prev_hash', 'hash'] as const;

/** How an entry's hash is computed, written into every JSON export so a reviewer can check it with any tool. */
export const HASH_RECIPE =
  'sha256 (hex) of the UTF-8 text JSON.stringify([seq, at, actor, action, objectType, objectId, details, prevHash]), where details is the stored ' +
  'canonical JSON text exactly as exported; prevHash is the previous entry’s hash, 64 zeros before entry #1.';

export interface AuditExportResult { path: string; format: AuditExportFormat; entries: number; bytes: number; sha256: string; complete: boolean }

/**
 * Writes the matching audit entries, oldest first, as JSON or CSV under <data>/audit-exports/ (temp file, then
 * rename: a half-written export never carries the final name). Rows keep their stored text — details as the exact
 * canonical JSON that was hashed — so the file alone can be verified (`lathe audit verify-export`,
 * scripts/verify-audit-export.mjs). "complete" means no filter was applied: the chain runs unbroken from #1.
 */
export function writeAuditExport(db: Database.Database, dataDir: string, format: AuditExportFormat, filter: AuditFilter, now = new Date()): AuditExportResult {
  const dir = path.join(dataDir, 'audit-exports');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `audit-${now.toISOString().replace(/[:.]/g, '-')}.${format}`);
  const tmp = `${file}.partial`;
  const complete = Object.values(filter).every((v) => v === undefined || v === '');
  const fd = fs.openSync(tmp, 'w');
  let entries = 0;
  try {
    const write = (text: string) => fs.writeSync(fd, text);
    if (format === 'csv') write(CSV_COLUMNS.join(',') + '\r\n');
    // logHead: the whole log's newest entry when this was written, so this file anchors the chain even when filtered.
    else write(`{"format":"lathe-audit-export","version":1,"exportedAt":${JSON.stringify(now.toISOString())},"filter":${JSON.stringify(filter)},"complete":${complete},"logHead":${JSON.stringify(auditQueries(db).last() ?? null)},"genesisPrevHash":"${GENESIS_HASH}","hashRecipe":${JSON.stringify(HASH_RECIPE)},"entries":[\n`);
    for (const row of auditQueries(db).filteredIterate(filter)) {
      write(format === 'csv' ? csvLine(row) : `${entries ? ',\n' : ''}${jsonEntry(row)}`);
      entries++;
    }
    if (format === 'json') write(`\n],"count":${entries}}\n`);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  const bytes = fs.readFileSync(file);
  return { path: file, format, entries, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), complete };
}

function jsonEntry(r: AuditRow): string {
  return JSON.stringify({ seq: r.seq, at: r.at, actor: r.actor, action: r.action, objectType: r.object_type, objectId: r.object_id, details: r.details, prevHash: r.prev_hash, hash: r.hash });
}

/** RFC 4180: every field quoted, quotes doubled; CRLF between records. A missing object id is an empty field. */
function csvLine(r: AuditRow): string {
  const cells = [String(r.seq), r.at, r.actor, r.action, r.object_type, r.object_id ?? '', r.details, r.prev_hash, r.hash];
  return cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(',') + '\r\n';
}
