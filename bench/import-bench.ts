/**
 * Import benchmark (issue: datasets). Generates an N-row JSONL chat dataset, imports it through the engine
 * (worker thread, staging, one commit), and compares with a plain better-sqlite3 bulk insert of the same rows
 * in one transaction, in the same run. Prints rows/s, the ratio, and peak RSS of each phase.
 *
 *   npx tsx bench/import-bench.ts [rows=1000000]
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Engine } from '../src/engine/engine.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bench-import-'));
const file = path.join(dir, 'chat.jsonl');

async function generate(): Promise<void> {
  const out = fs.createWriteStream(file);
  for (let i = 0; i < rows; i++) {
    const line = JSON.stringify({
      messages: [
        { role: 'system', content: 'You are a Northwind Grid maintenance assistant.' },
        { role: 'user', content: `What is the inspection interval for transformer T-${i} at substation ${i % 311}?` },
        { role: 'assistant', content: `Transformer T-${i} is inspected every ${(i % 12) + 1} months; oil samples are taken every ${(i % 5) + 1} quarters.` },
      ],
    });
    if (!out.write(line + "\n")) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const resetPeak = () => (peak = process.memoryUsage().rss);

async function baseline(): Promise<number> {
  const db = new Database(path.join(dir, 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE examples (id INTEGER PRIMARY KEY, content_hash TEXT NOT NULL, content TEXT NOT NULL) STRICT');
  const insert = db.prepare('INSERT INTO examples (content_hash, content) VALUES (?, ?)');
  const started = performance.now();
  db.exec('BEGIN');
  for await (const line of readline.createInterface({ input: fs.createReadStream(file) })) {
    const value = JSON.parse(line) as unknown;
    const content = JSON.stringify(value);
    insert.run(createHash('sha256').update(content).digest('hex'), content);
  }
  db.exec('COMMIT');
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
}

/** Seconds until the import committed (rows browsable, trainable), and until every row was searchable too. */
async function lathe(): Promise<{ committed: number; searchable: number }> {
  const engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'cli' });
  const started = performance.now();
  const r = await engine.call('datasets.import', { path: file, datasetName: 'bench' });
  const committed = (performance.now() - started) / 1000;
  if (r.rowsImported !== rows) throw new Error(`imported ${r.rowsImported} of ${rows}`);
  const left = await engine.ctx.searchIndex.ready(600_000);
  if (left) throw new Error(`${left} rows still not searchable`);
  const searchable = (performance.now() - started) / 1000;
  await searchLatency(engine, r.versionId);
  await engine.dispose();
  return { committed, searchable };
}

/** FTS5 search latency on the imported version: p50/p95 over 200 queries of one to three words. */
async function searchLatency(engine: Engine, versionId: string): Promise<void> {
  const vocab = ['transformer', 'inspection', 'interval', 'substation', 'oil', 'months', 'quarters', 'samples', 'T-1234*', 'assistant'];
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const query = Array.from({ length: 1 + (i % 3) }, (_, k) => vocab[(i * 7 + k * 3) % vocab.length]).join(' ');
    const t = performance.now();
    await engine.call('datasets.search', { versionId, query, limit: 50 });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(`search    FTS5 over ${rows.toLocaleString('en')} rows, 200 queries (limit 50): p50 ${at(0.5)} ms, p95 ${at(0.95)} ms (goal p95 < 100 ms)`);
}

await generate();
const mb = fs.statSync(file).size / 1048576;
console.log(`rows: ${rows.toLocaleString('en')}, file: ${mb.toFixed(0)} MB`);
resetPeak();
const base = await baseline();
const basePeak = peak;
resetPeak();
const ours = await lathe();
const oursPeak = peak;
clearInterval(sampler);
const fmt = (s: number) => `${(rows / s).toFixed(0)} rows/s (${s.toFixed(1)} s)`;
console.log(`baseline  better-sqlite3 bulk insert, one transaction: ${fmt(base)}, peak RSS ${(basePeak / 1048576).toFixed(0)} MB`);
console.log(`lathe     datasets.import until committed (reader + stager threads, one commit): ${fmt(ours.committed)}, peak RSS ${(oursPeak / 1048576).toFixed(0)} MB`);
console.log(`lathe     … until every row is also searchable (FTS5 index caught up):          ${fmt(ours.searchable)}`);
console.log(`ratio     lathe / baseline throughput: ${(base / ours.committed).toFixed(2)} to commit (goal >= 0.5), ${(base / ours.searchable).toFixed(2)} to searchable; peak RSS under 1 GB: ${oursPeak < 1024 ** 3 ? 'yes' : 'NO'}`);
fs.rmSync(dir, { recursive: true, force: true });
