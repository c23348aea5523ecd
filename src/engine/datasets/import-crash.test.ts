import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';

/** kill -9 of a real engine process (the CLI) in the middle of an import, at several points. */
describe('import crash safety', () => {
  it('leaves a database that passes integrity_check and holds the whole import or none of it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'big.jsonl');
    const rows = 60_000;
    fs.writeFileSync(
      file,
      Array.from({ length: rows }, (_, i) => JSON.stringify({ prompt: `Which breaker feeds bay ${i}?`, completion: `Breaker ${i % 97} feeds bay ${i}.` })).join('\n'),
    );
    const outcomes = new Set<number>();
    for (const delayMs of [900, 2000, 3000, 4500, 8000]) {
      const dataDir = path.join(dir, `data-${delayMs}`);
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import', file, '--name', 'crash', '--data-dir', dataDir], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await exited;
      if (!fs.existsSync(path.join(dataDir, 'lathe.db'))) {
        outcomes.add(-1);
        continue;
      }
      const db = new Database(path.join(dataDir, 'lathe.db'));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const examples = (db.prepare('SELECT count(*) AS n FROM version_examples').get() as { n: number }).n;
      const versions = (db.prepare('SELECT count(*) AS n FROM dataset_versions').get() as { n: number }).n;
      expect([0, rows]).toContain(examples);
      expect(versions).toBe(examples ? 1 : 0);
      outcomes.add(examples);
      const versionId = examples ? (db.prepare('SELECT id FROM dataset_versions').pluck().get() as string) : null;
      db.close();
      if (versionId) {
        // Killed after the commit, maybe mid-way through search indexing: the next start finishes it, each row once.
        const engine = Engine.open({ dataDir, mode: 'test' });
        try {
          const found = await engine.call('datasets.search', { versionId, query: `bay ${rows - 1}`, limit: 10 });
          expect(found.examples.map((e) => e.position)).toEqual([rows - 1]);
          expect(engine.ctx.db!.prepare('SELECT count(*) FROM examples_fts_docsize').pluck().get()).toBe(rows);
        } finally {
          await engine.dispose();
        }
      }
    }
    // Killed before and after the commit on this machine; a faster one may only see one side.
    process.stderr.write(`[crash test] outcomes (examples after kill): ${[...outcomes].join(", ")}\n`);
    expect(outcomes.size).toBeGreaterThan(0);
  }, 120_000);
});
