import type Database from 'better-sqlite3';

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
  actor?: string;
  objectType?: string;
  objectId?: string;
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  /** Case-insensitive substring of the details JSON, action or object id. */
  text?: string;
}

// One statement for every filter combination: a NULL parameter switches its condition off.
const FILTERED = `FROM audit_log WHERE action LIKE @prefix ESCAPE '\\'
  AND (@actor IS NULL OR actor = @actor) AND (@object_type IS NULL OR object_type = @object_type)
  AND (@object_id IS NULL OR object_id = @object_id) AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at <= @to)
  AND (@text IS NULL OR details LIKE @text ESCAPE '\\' OR action LIKE @text ESCAPE '\\' OR coalesce(object_id, '') LIKE @text ESCAPE '\\')`;

function filterParams(f: AuditFilter) {
  const text = f.text?.trim();
  return {
    prefix: likePrefix(f.actionPrefix ?? ''),
    actor: f.actor?.trim() || null,
    object_type: f.objectType?.trim() || null,
    object_id: f.objectId?.trim() || null,
    from: f.from || null,
    to: f.to || null,
    text: text ? `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
  };
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
  const filteredPage = db.prepare<[ReturnType<typeof filterParams> & { before: number; limit: number }], AuditRow>(
    `SELECT * ${FILTERED} AND seq < @before ORDER BY seq DESC LIMIT @limit`,
  );
  const filteredCount = db.prepare<[ReturnType<typeof filterParams>], { n: number }>(`SELECT count(*) AS n ${FILTERED}`);
  const filteredAll = db.prepare<[ReturnType<typeof filterParams>], AuditRow>(`SELECT * ${FILTERED} ORDER BY seq ASC`);
  const facets = db.prepare<[], { actor: string; object_type: string }>('SELECT DISTINCT actor, object_type FROM audit_log');

  return {
    insert: (row: AuditRow) => insert.run(row),
    last: () => last.get(),
    page: (before: number, actionPrefix: string, limit: number) =>
      page.all({ before, prefix: likePrefix(actionPrefix), limit }),
    count: (actionPrefix: string) => count.get({ prefix: likePrefix(actionPrefix) })?.n ?? 0,
    /** Iterates in order without loading the whole log into memory. */
    iterate: () => all.iterate(),
    filteredPage: (f: AuditFilter, before: number, limit: number) => filteredPage.all({ ...filterParams(f), before, limit }),
    filteredCount: (f: AuditFilter) => filteredCount.get(filterParams(f))?.n ?? 0,
    /** Matching rows oldest first, streamed (exports of large logs). */
    filteredIterate: (f: AuditFilter) => filteredAll.iterate(filterParams(f)),
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
