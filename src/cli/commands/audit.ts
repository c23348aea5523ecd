import { LatheError } from '../../shared/contract/errors.js';
import { openDatabase } from '../../engine/db/connection.js';
import { AuditLog } from '../../engine/audit/audit-log.js';
import { resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';

const USAGE = 'lathe audit verify|list [--data-dir DIR] [--limit N] [--json]';

/** Works on the database directly (no engine start, no inference host): it must run even on a damaged install. */
export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { 'data-dir': { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  const verb = positionals[0];
  if (verb !== 'verify' && verb !== 'list') {
    throw new LatheError('INVALID_ARGUMENTS', `Unknown audit command "${verb ?? ''}".`, `Usage: ${USAGE}`);
  }
  const { db } = openDatabase(resolveDataDir(values['data-dir']));
  try {
    const log = new AuditLog(db);
    if (verb === 'list') {
      const { entries, total } = log.list(intFlag(values.limit, 'limit', 50), undefined);
      if (values.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
      else {
        for (const e of entries) process.stdout.write(`#${e.seq}  ${e.at}  ${e.actor}  ${e.action}  ${e.objectType}${e.objectId ? `:${e.objectId}` : ''}\n`);
        process.stdout.write(`${entries.length} of ${total} entries\n`);
      }
      return 0;
    }
    const result = log.verify();
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else if (result.ok) process.stdout.write(`Audit log intact: ${result.checked} entries, hash chain verified.\n`);
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
