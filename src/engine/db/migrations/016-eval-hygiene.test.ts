import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { migrations } from './index.js';

const upTo = (n: number) => migrations.filter((m) => m.version <= n);

describe('migration 016 (contamination, forgetting and safety checks)', () => {
  it('adds installed suites, PII canaries keyed by probe position, canary checks and safety policies on top of 016', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, upTo(15));
    db.exec(`INSERT INTO datasets VALUES ('d', 'grid', 'task', 't', 'me');
             INSERT INTO dataset_versions VALUES ('v', 'd', 1, NULL, 'h', 0, 'import', '{}', 't', 'me');
             INSERT INTO dataset_versions VALUES ('p', 'd', 2, 'v', 'h2', 0, 'import', '{}', 't', 'me');`);
    migrate(db, upTo(16));
    const sql = (name: string) => (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
    for (const t of ['eval_suites', 'pii_canaries', 'canary_checks', 'safety_configs']) expect(sql(t)).toMatch(/STRICT/);
    db.exec("INSERT INTO eval_suites VALUES ('safety', 'v', 'sha', 't', 'me')");
    expect(() => db.exec("INSERT INTO eval_suites VALUES ('general-skills', 'nope', 'sha', 't', 'me')")).toThrow(/FOREIGN KEY/);
    const canary = db.prepare("INSERT INTO pii_canaries VALUES ('p', ?, 'v', 3, 'h', 'email', 'a@b.example', 'mail me at', ?)");
    canary.run(0, 0);
    expect(() => canary.run(0, 1)).toThrow(/UNIQUE/); // one canary per probe position
    expect(() => canary.run(1, 2)).toThrow(/CHECK constraint/);
  });
});
