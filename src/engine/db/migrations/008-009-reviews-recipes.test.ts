import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../migrate.js';
import { migrations } from './index.js';

const upTo = (n: number) => migrations.filter((m) => m.version <= n);

describe('migrations 008 (reviews) and 009 (recipes, token counts)', () => {
  it('adds the review history (append-only) and its state tables on top of 007', () => {
    const db = new Database(':memory:');
    migrate(db, upTo(7));
    db.exec(`INSERT INTO datasets VALUES ('d', 'grid', 'task', 't', 'me');
             INSERT INTO dataset_versions VALUES ('v', 'd', 1, NULL, 'h', 0, 'import', '{}', 't', 'me');`);
    migrate(db, upTo(8));
    const sql = (name: string) => (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
    for (const t of ['reviews', 'review_verdicts', 'review_status', 'review_tags']) expect(sql(t)).toMatch(/STRICT/);
    const insert = db.prepare("INSERT INTO reviews (version_id, position, reviewer, action, before_hash, at) VALUES ('v', 0, 'ana', ?, 'h', 't')");
    insert.run('accept');
    expect(() => insert.run('approve')).toThrow(/CHECK constraint/);
    expect(() => db.prepare("UPDATE reviews SET reviewer = 'eve'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM reviews').run()).toThrow(/append-only/);
    expect(() => db.prepare("INSERT INTO review_status VALUES ('v', 0, 'maybe', NULL)").run()).toThrow(/CHECK constraint/);
  });

  it('adds recipes with their components and the token-count cache', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, upTo(9));
    db.exec(`INSERT INTO datasets VALUES ('d', 'grid', 'task', 't', 'me');
             INSERT INTO dataset_versions VALUES ('v', 'd', 1, NULL, 'h', 0, 'import', '{}', 't', 'me');
             INSERT INTO recipes VALUES ('r', 'mix', '', NULL, NULL, 't', 'me');
             INSERT INTO recipe_components VALUES ('r', 0, 'v', 0.5, 'chat', 3, NULL);
             INSERT INTO token_counts VALUES ('sha', 'h', 12);`);
    expect(() => db.prepare("INSERT INTO recipe_components VALUES ('r', 1, 'v', 0, 'chat', 3, NULL)").run()).toThrow(/CHECK constraint/);
    expect(() => db.prepare("INSERT INTO recipe_components VALUES ('r', 1, 'nope', 1, 'chat', 3, NULL)").run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("INSERT INTO recipes VALUES ('r2', 'mix', '', NULL, NULL, 't', 'me')").run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO token_counts VALUES ('sha', 'h', 'many')").run()).toThrow(/cannot store TEXT/);
  });
});
