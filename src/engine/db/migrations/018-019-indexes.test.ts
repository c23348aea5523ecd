import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { migrations } from './index.js';

/** Migrations 018–019 add look-up indexes only; the planner must use them for the lineage and audit filters. */
describe('migrations 018-019: lineage and audit indexes', () => {
  it('creates the indexes and the queries use them', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 19));
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as Array<{ name: string }>).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['runs_dataset_version', 'models_run', 'evals_dataset_version', 'export_files_sha', 'releases_eval', 'audit_log_actor', 'audit_log_object', 'audit_log_at']));
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' ');
    expect(plan("SELECT id FROM models WHERE run_id = 'r'")).toMatch(/USING (COVERING )?INDEX models_run/);
    expect(plan("SELECT DISTINCT export_id FROM export_files WHERE sha256 = 'x'")).toMatch(/INDEX export_files_sha/);
    expect(plan("SELECT * FROM audit_log WHERE actor = 'a' ORDER BY seq DESC")).toMatch(/INDEX audit_log_actor/);
    db.close();
  });
});
