/**
 * Version steps on a big version (issue: datasets): how long each takes and how long it holds the engine's main
 * loop, run in this thread (the old way) and in a worker (runVersionOp), in the same run. Prints the ratio of
 * the longest main-loop stall, worker / inline.
 *
 *   npx tsx bench/version-ops-bench.ts [rows=200000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../src/engine/engine.js';
import { runVersionOp } from '../src/engine/datasets/run-version-op.js';
import type { VersionOpName, VersionOps } from '../src/engine/datasets/version-ops.js';

const rows = Number(process.argv[2] ?? 200_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bench-ops-'));
const file = path.join(dir, 'chat.jsonl');
const out = fs.createWriteStream(file);
for (let i = 0; i < rows; i++) {
  const q = `What is the inspection interval for transformer T-${i % (rows / 2)} at substation ${i % 311}?`;
  out.write(JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: `Every ${(i % 12) + 1} months.` }] }) + '\n');
}
await new Promise<void>((r) => out.end(r));

const engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'cli' });
const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'bench' });
await engine.ctx.searchIndex.ready();

/** Runs fn while a 10 ms timer measures the longest gap between its ticks (how long the loop was held). */
async function measure(fn: () => Promise<unknown>): Promise<{ ms: number; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 10);
    last = now;
  }, 10);
  const started = performance.now();
  await fn();
  const ms = performance.now() - started;
  await new Promise((r) => setTimeout(r, 30)); // let the timer see a block that just ended
  clearInterval(timer);
  return { ms, stall: Math.max(0, stall) };
}

const steps: Array<[VersionOpName, Parameters<VersionOps[VersionOpName]>[0] & { versionId: string }]> = [
  ['curate', { versionId, operation: { op: 'dedup-exact' }, actor: 'bench' }],
  ['export', { versionId, format: 'openai-chat', outPath: path.join(dir, 'out.jsonl'), actor: 'bench', overwrite: true } as never],
  ['stats', { versionId, bins: 20 }],
];
console.log(`rows: ${rows.toLocaleString('en')}`);
for (const [name, args] of steps) {
  const inline = await measure(() => runVersionOp(engine.ctx, name, args as never, () => null, { inWorker: false }));
  const worker = await measure(() => runVersionOp(engine.ctx, name, args as never, () => null, { inWorker: true }));
  console.log(
    `${name.padEnd(7)} inline ${inline.ms.toFixed(0)} ms (main loop held ${inline.stall.toFixed(0)} ms) · worker ${worker.ms.toFixed(0)} ms (held ${worker.stall.toFixed(0)} ms) · stall ratio ${(worker.stall / Math.max(1, inline.stall)).toFixed(3)}`,
  );
}
await engine.dispose();
fs.rmSync(dir, { recursive: true, force: true });
