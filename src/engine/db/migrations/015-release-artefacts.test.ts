import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { migrations } from './index.js';

const upTo = (n: number) => migrations.filter((m) => m.version <= n);

describe('migration 015 (releases bound to exported artefacts)', () => {
  it('adds export id, file and sha256 to releases; older decisions read as unbound and stay append-only', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, upTo(14));
    db.exec(`INSERT INTO datasets VALUES ('d', 'grid', 'task', 't', 'me');
             INSERT INTO dataset_versions VALUES ('v', 'd', 1, NULL, 'h', 0, 'import', '{}', 't', 'me');
             INSERT INTO evals VALUES ('e', 'base', 'm', '[]', 'v', 'test', '{}', 'done', 1, NULL, 't', 't', 'me');
             INSERT INTO releases VALUES ('old', 'default', 'm', '[]', 'e', NULL, 'released', 1, '{}', NULL, NULL, 't', 'me');`);
    migrate(db, upTo(15));
    expect(db.prepare("SELECT export_id, artefact_path, artefact_sha256 FROM releases WHERE id = 'old'").get()).toEqual({ export_id: null, artefact_path: null, artefact_sha256: null });
    const insert = db.prepare(`INSERT INTO releases (id, project, model_id, adapter_ids, eval_id, baseline_eval_id, decision, passed, results, reason, reviewer, created_at, created_by, export_id, artefact_path, artefact_sha256)
      VALUES (?, 'default', 'm', '[]', 'e', NULL, 'released', 1, '{}', NULL, NULL, 't', 'me', ?, 'model-Q4_K_M.gguf', 'abc')`);
    expect(() => insert.run('r2', 'no-such-export')).toThrow(/FOREIGN KEY/); // a release can only name a real export
    insert.run('r3', null);
    expect(() => db.exec("UPDATE releases SET artefact_sha256 = 'other' WHERE id = 'r3'")).toThrow(/append-only/);
    expect(() => db.exec("DELETE FROM releases WHERE id = 'old'")).toThrow(/append-only/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'releases'").all()).toEqual(expect.arrayContaining([{ name: 'releases_export' }, { name: 'releases_artefact' }]));
  });
});
