import type Database from 'better-sqlite3';
import { AUDIT_FAMILIES, type AuditFamily } from '../../../shared/contract/features/audit.js';

/** Row shape of audit_log as stored. */
export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  object_type: string;
  object_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** What the Audit page and the export filter on; every field optional, all given fields must hold. */
export interface AuditFilter {
  actionPrefix?: string;
  /** A kind of activity (imports, reviews, overrides…): any of its action prefixes. */
  family?: AuditFamily;
  actor?: string;
  objectType?: string;
  objectId?: string;
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  /** Case-insensitive substring of the details JSON, action or object id. */
  text?: string;
}

// Only the conditions that are set go into the SQL (so the planner can use the actor/object/time indexes of
// migration 019); statements are cached per combination of set fields.
function filteredSql(p: FilterParams): string {
  const where = [`action LIKE @prefix ESCAPE '\\'`];
  if (p.family.length) where.push(`(${p.family.map((_, i) => `action LIKE @family${i} ESCAPE '\\'`).join(' OR ')})`);
  if (p.actor !== null) where.push('actor = @actor');
  if (p.object_type !== null) where.push('object_type = @object_type');
  if (p.object_id !== null) where.push('object_id = @object_id');
  if (p.from !== null) where.push('at >= @from');
  if (p.to !== null) where.push('at <= @to');
  if (p.text !== null) where.push(`(details LIKE @text ESCAPE '\\' OR action LIKE @text ESCAPE '\\' OR coalesce(object_id, '') LIKE @text ESCAPE '\\')`);
  return `FROM audit_log WHERE ${where.join(' AND ')}`;
}

type FilterParams = ReturnType<typeof filterParams>;

function filterParams(f: AuditFilter) {
  const text = f.text?.trim();
  const to = f.to?.trim() || null;
  return {
    prefix: likePrefix(f.actionPrefix ?? ''),
    family: f.family ? AUDIT_FAMILIES[f.family].map(likePrefix) : [],
    actor: f.actor?.trim() || null,
    object_type: f.objectType?.trim() || null,
    object_id: f.objectId?.trim() || null,
    from: f.from || null,
    // Times compare as text: a bare date as the upper bound would stop at that day's midnight, so it means the whole day.
    to: to && /^\d{4}-\d{2}-\d{2}$/.test(to) ? `${to}T23:59:59.999Z` : to,
    text: text ? `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
  };
}

/** Only the parameters the statement names (the unset filters are not in its SQL). */
function bound(p: FilterParams): Record<string, string> {
  const { family, ...rest } = p;
  const named = Object.entries(rest).filter(([, v]) => v !== null);
  return Object.fromEntries([...named, ...family.map((prefix, i) => [`family${i}`, prefix])]) as Record<string, string>;
}

export function auditQueries(db: Database.Database) {
  const insert = db.prepare<[Omit<AuditRow, 'seq'> & { seq: number }]>(
    `INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, details, prev_hash, hash)
     VALUES (@seq, @at, @actor, @action, @object_type, @object_id, @details, @prev_hash, @hash)`,
  );
  const last = db.prepare<[], Pick<AuditRow, 'seq' | 'hash'>>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  const page = db.prepare<[{ before: number; prefix: string; limit: number }], AuditRow>(
    `SELECT * FROM audit_log WHERE seq < @before AND action LIKE @prefix ESCAPE '\\'
     ORDER BY seq DESC LIMIT @limit`,
  );
  const count = db.prepare<[{ prefix: string }], { n: number }>(
    `SELECT count(*) AS n FROM audit_log WHERE action LIKE @prefix ESCAPE '\\'`,
  );
  const all = db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY seq ASC');
  const cache = new Map<string, Database.Statement>();
  const statement = (sql: string) => {
    let st = cache.get(sql);
    if (!st) cache.set(sql, (st = db.prepare(sql)));
    return st;
  };
  const filteredPage = (p: FilterParams, before: number, limit: number) =>
    statement(`SELECT * ${filteredSql(p)} AND seq < @before ORDER BY seq DESC LIMIT @limit`).all({ ...bound(p), before, limit }) as AuditRow[];
  const filteredCount = (p: FilterParams) => (statement(`SELECT count(*) AS n ${filteredSql(p)}`).get(bound(p)) as { n: number }).n;
  const filteredAll = (p: FilterParams) => statement(`SELECT * ${filteredSql(p)} ORDER BY seq ASC`).iterate(bound(p)) as IterableIterator<AuditRow>;
  const lastEntry = db.prepare<[], Pick<AuditRow, 'seq' | 'hash' | 'at'>>('SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1');
  const bySeq = db.prepare<[number], Pick<AuditRow, 'seq' | 'hash' | 'at' | 'action'>>('SELECT seq, hash, at, action FROM audit_log WHERE seq = ?');
  const facets = db.prepare<[], { actor: string; object_type: string }>('SELECT DISTINCT actor, object_type FROM audit_log');

  return {
    insert: (row: AuditRow) => insert.run(row),
    last: () => last.get(),
    lastEntry: () => lastEntry.get(),
    bySeq: (seq: number) => bySeq.get(seq),
    page: (before: number, actionPrefix: string, limit: number) =>
      page.all({ before, prefix: likePrefix(actionPrefix), limit }),
    count: (actionPrefix: string) => count.get({ prefix: likePrefix(actionPrefix) })?.n ?? 0,
    /** Iterates in order without loading the whole log into memory. */
    iterate: () => all.iterate(),
    filteredPage: (f: AuditFilter, before: number, limit: number) => filteredPage(filterParams(f), before, limit),
    filteredCount: (f: AuditFilter) => filteredCount(filterParams(f)),
    /** Matching rows oldest first, streamed (exports of large logs). */
    filteredIterate: (f: AuditFilter) => filteredAll(filterParams(f)),
    /** One entry's hash, to compare an earlier export with the log as it is now. */
    hashAt: (seq: number) => bySeq.get(seq)?.hash ?? null,
    /** The actors and object types that occur, for the filter pickers. */
    facets: () => {
      const rows = facets.all();
      return { actors: [...new Set(rows.map((r) => r.actor))].sort(), objectTypes: [...new Set(rows.map((r) => r.object_type))].sort() };
    },
  };
}

function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/** How each object type an audit entry can name is called by people (a version: its dataset's name and number). */
const NAME_OF: Record<string, string> = {
  dataset: 'SELECT name FROM datasets WHERE id = ?',
  dataset_version: "SELECT d.name || ' v' || v.number FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ?",
  run: 'SELECT name FROM runs WHERE id = ?',
  model: 'SELECT name FROM models WHERE id = ?',
  export: 'SELECT name FROM exports WHERE id = ?',
  eval: 'SELECT label FROM evals WHERE id = ?',
  recipe: 'SELECT name FROM recipes WHERE id = ?',
  user: 'SELECT name FROM users WHERE id = ?',
  release: "SELECT 'release of ' || m.name FROM releases r JOIN models m ON m.id = r.model_id WHERE r.id = ?",
};

/**
 * Names for the objects a page of audit entries points at, keyed `type:id` (the log itself keeps ids: names change,
 * ids do not). Objects of other types, or gone, have no name.
 */
export function auditObjectNames(db: Database.Database, objects: ReadonlyArray<{ objectType: string; objectId: string | null }>): Record<string, string> {
  const names: Record<string, string> = {};
  const statements = new Map<string, Database.Statement<[string], unknown>>();
  for (const { objectType, objectId } of objects) {
    const sql = NAME_OF[objectType];
    const key = `${objectType}:${objectId}`;
    if (!sql || !objectId || key in names) continue;
    let stmt = statements.get(objectType);
    if (!stmt) statements.set(objectType, (stmt = db.prepare<[string], unknown>(sql).pluck()));
    const name = stmt.get(objectId);
    if (typeof name === 'string' && name) names[key] = name;
  }
  return names;
}
