import { LatheError } from '../../shared/contract/errors.js';
import { openDatabase } from '../../engine/db/connection.js';
import fs from 'node:fs';
import { AuditLog } from '../../engine/audit/audit-log.js';
import { writeAuditExport } from '../../engine/audit/audit-export.js';
import { compareExportWithLog, verifyAuditExport } from '../../engine/audit/audit-verify-export.js';
import { auditQueries } from '../../engine/db/queries/audit.js';
import type { AuditFilter } from '../../engine/db/queries/audit.js';
import { AUDIT_FAMILIES, type AuditFamily } from '../../shared/contract/features/audit.js';
import { resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';

const USAGE =
  `lathe audit verify|list [--data-dir DIR] [--limit N] [--json] [--family ${Object.keys(AUDIT_FAMILIES).join('|')}] [--action PREFIX] [--actor NAME] [--object-type T] [--object-id ID] [--from ISO] [--to ISO] [--text T] | ` +
  'lathe audit export --format json|csv [filters] | lathe audit verify-export FILE [--data-dir DIR: also check the log still holds every entry of FILE]';

/** Works on the database directly (no engine start, no inference host): it must run even on a damaged install. */
export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      'data-dir': { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, format: { type: 'string' },
      action: { type: 'string' }, family: { type: 'string' }, actor: { type: 'string' }, 'object-type': { type: 'string' }, 'object-id': { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, text: { type: 'string' },
    },
    USAGE,
  );
  const verb = positionals[0];
  if (verb === 'verify-export') return verifyExportFile(positionals[1], values.json === true, values['data-dir']);
  if (values.family !== undefined && !(values.family in AUDIT_FAMILIES)) {
    throw new LatheError('INVALID_ARGUMENTS', `There is no audit family "${values.family}".`, `Use one of: ${Object.keys(AUDIT_FAMILIES).join(', ')}.`);
  }
  const filter: AuditFilter = {
    actionPrefix: values.action, family: values.family as AuditFamily | undefined, actor: values.actor, objectType: values['object-type'], objectId: values['object-id'],
    from: values.from, to: values.to, text: values.text,
  };
  for (const k of Object.keys(filter) as Array<keyof AuditFilter>) if (filter[k] === undefined) delete filter[k];
  if (verb === 'export') {
    if (values.format !== 'json' && values.format !== 'csv') throw new LatheError('INVALID_ARGUMENTS', 'Give --format json or --format csv.', `Usage: ${USAGE}`);
    const dataDir = resolveDataDir(values['data-dir']);
    const { db } = openDatabase(dataDir);
    try {
      const r = writeAuditExport(db, dataDir, values.format, filter);
      new AuditLog(db).append({ actor: process.env.USER || 'cli', action: 'audit.export', objectType: 'audit', details: { ...r, filter } });
      process.stdout.write(`Wrote ${r.entries} entries to ${r.path}\nsha256 ${r.sha256}${r.complete ? '' : '  (filtered: entries verify one by one)'}\n`);
      return 0;
    } finally {
      db.close();
    }
  }
  if (verb !== 'verify' && verb !== 'list') {
    throw new LatheError('INVALID_ARGUMENTS', `Unknown audit command "${verb ?? ''}".`, `Usage: ${USAGE}`);
  }
  const { db } = openDatabase(resolveDataDir(values['data-dir']));
  try {
    const log = new AuditLog(db);
    if (verb === 'list') {
      const { entries, total } = log.list(intFlag(values.limit, 'limit', 50), undefined, filter);
      if (values.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
      else {
        for (const e of entries) process.stdout.write(`#${e.seq}  ${e.at}  ${e.actor}  ${e.action}  ${e.objectType}${e.objectId ? `:${e.objectId}` : ''}\n`);
        process.stdout.write(`${entries.length} of ${total} entries\n`);
      }
      return 0;
    }
    const result = log.verify();
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else if (result.ok) {
      const w = result.witness;
      const tail = w?.status === 'matches'
        ? ` The newest entry #${w.seq} matches audit-witness.json.`
        : w ? ` No usable audit-witness.json (${w.status}): entries cut off the end would not show; compare with a kept export (lathe audit verify-export FILE --data-dir DIR).` : '';
      process.stdout.write(`Audit log intact: ${result.checked} entries, hash chain verified.${tail}\n`);
    }
    else {
      const b = result.firstBroken!;
      process.stdout.write(
        `Audit log BROKEN at entry #${b.seq} (${b.at}, ${b.action}): ${b.reason}.\n` +
          `${result.checked} entries before it verified. Keep this database as evidence and restore from a backup.\n`,
      );
    }
    return result.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

/**
 * Verifies an export file alone — no database needed; exit 0 intact, 1 broken. With --data-dir, the export is also
 * a witness against the log: each of its entries must still be there with the same hash (catches a rewritten and
 * re-hashed tail, or entries cut off the end, which the chain alone cannot show).
 */
function verifyExportFile(file: string | undefined, json: boolean, dataDir: string | undefined): number {
  if (!file) throw new LatheError('INVALID_ARGUMENTS', 'Name the export file to verify.', 'Example: lathe audit verify-export audit-2026-11-28.json');
  if (!fs.existsSync(file)) throw new LatheError('NOT_FOUND', `There is no file ${file}.`, 'Check the path.');
  const format = file.toLowerCase().endsWith('.csv') ? 'csv' : 'json';
  const text = fs.readFileSync(file, 'utf8');
  const r = verifyAuditExport(text, format);
  let against: ReturnType<typeof compareExportWithLog> | null = null;
  if (r.ok && dataDir !== undefined) {
    const { db } = openDatabase(resolveDataDir(dataDir));
    try {
      const q = auditQueries(db);
      against = compareExportWithLog(text, format, q.hashAt);
    } finally {
      db.close();
    }
  }
  const ok = r.ok && (against?.ok ?? true);
  if (json) process.stdout.write(JSON.stringify({ ...r, ok, log: against }, null, 2) + '\n');
  else if (!r.ok) process.stdout.write(`Export BROKEN at entry #${r.firstBroken!.seq}: ${r.firstBroken!.reason}. ${r.checked} entries before it verified.\n`);
  else {
    process.stdout.write(`Export intact: ${r.checked} entries verified${r.complete ? ', an unbroken chain from #1' : `; ${r.gaps} gap(s) (a filtered export: links across a gap are not checked)`}.\n`);
    if (against?.ok) process.stdout.write(`The log still holds all ${against.compared} of them unchanged.\n`);
    else if (against) process.stdout.write(`The LOG DIFFERS from this export at entry #${against.firstDifferent!.seq}: ${against.firstDifferent!.reason}. Keep this export and the database as evidence.\n`);
  }
  return ok ? 0 : 1;
}
