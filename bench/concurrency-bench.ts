/**
 * Many readers and one writer on one data folder, each its own process with its own Engine (what the app, a second
 * window and a CLI beside it amount to), for a few minutes. SQLite in WAL mode lets readers run while the writer
 * commits; writers queue on busy_timeout. The goal is that no SQLITE_BUSY (or any error) ever reaches a user, and
 * the printed worst latency says how long a reader could wait.
 *
 *   npx tsx bench/concurrency-bench.ts [--seconds 180] [--readers 4] [--writers 1]
 *
 * src/engine/db/concurrency.test.ts runs the same workers for 20 s as a test.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface WorkerReport { role: string; pid: number; ops: number; errors: Record<string, number>; worstMs: number }

export async function runConcurrency(opts: { seconds: number; readers: number; writers: number; dataDir?: string }): Promise<WorkerReport[]> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-concurrency-'));
  const sample = path.resolve('resources/samples/northwind-qa.jsonl');
  const tsx = path.resolve('node_modules/.bin/tsx');
  const worker = path.resolve('bench/concurrency-worker.ts');
  // One import first, so the readers have something to read from the start.
  await spawnWorker(tsx, [worker, dataDir, 'writer', '0.1', sample]);
  const roles = [...Array(opts.writers).fill('writer'), ...Array(opts.readers).fill('reader')] as string[];
  return Promise.all(roles.map((role) => spawnWorker(tsx, [worker, dataDir, role, String(opts.seconds), sample])));
}

function spawnWorker(cmd: string, args: string[]): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code === 0 && line) resolve(JSON.parse(line) as WorkerReport);
      else reject(new Error(`worker exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve('bench/concurrency-bench.ts')) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '180' }, readers: { type: 'string', default: '4' }, writers: { type: 'string', default: '1' } } });
  const started = Date.now();
  const reports = await runConcurrency({ seconds: Number(values.seconds), readers: Number(values.readers), writers: Number(values.writers) });
  for (const r of reports) console.log(`${r.role.padEnd(6)} pid ${r.pid}: ${r.ops} operations, errors ${JSON.stringify(r.errors)}, worst ${r.worstMs} ms`);
  const errors = reports.reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
  console.log(`${reports.length} processes for ${((Date.now() - started) / 1000).toFixed(0)} s: ${errors === 0 ? 'PASS' : 'FAIL'} (${errors} errors reached a caller)`);
}
