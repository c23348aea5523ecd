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

  return {
    insert: (row: AuditRow) => insert.run(row),
    last: () => last.get(),
    page: (before: number, actionPrefix: string, limit: number) =>
      page.all({ before, prefix: likePrefix(actionPrefix), limit }),
    count: (actionPrefix: string) => count.get({ prefix: likePrefix(actionPrefix) })?.n ?? 0,
    /** Iterates in order without loading the whole log into memory. */
    iterate: () => all.iterate(),
  };
}

function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}
