/**
 * Contamination check benchmark (issue 6): N training examples imported into a real library, an eval set of M
 * items (a tenth copied from training), then evals.contamination through the engine. The baseline in the same run
 * is the floor any check must pay: streaming the training rows out of SQLite and parsing them.
 *
 *   npx tsx bench/contamination-bench.ts [n=100000] [m=500]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../src/engine/engine.js';
import { hygieneQueries } from '../src/engine/db/queries/hygiene.js';

const n = Number(process.argv[2] ?? 100_000);
const m = Number(process.argv[3] ?? 500);
let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const vocab = Array.from({ length: 8000 }, (_, i) => `w${i.toString(36)}`);
const sentence = (k: number) => Array.from({ length: k }, () => vocab[Math.floor(rand() * vocab.length)]).join(' ');
const line = (q: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-contam-'));
const train = Array.from({ length: n }, () => [sentence(12), sentence(50)] as const);
fs.writeFileSync(path.join(dir, 'train.jsonl'), train.map(([q, a]) => line(q, a)).join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'eval.jsonl'), Array.from({ length: m }, (_, i) => (i % 10 === 0 ? line(...train[Math.floor(rand() * n)]!) : line(sentence(12), sentence(30)))).join('\n') + '\n');

const engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
try {
  const t0 = performance.now();
  const tr = await engine.call('datasets.import', { path: path.join(dir, 'train.jsonl'), datasetName: 'train' });
  const ev = await engine.call('datasets.import', { path: path.join(dir, 'eval.jsonl'), datasetName: 'eval' });
  console.log(`import ${n.toLocaleString('en')} + ${m} examples: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  let t = performance.now();
  let words = 0;
  for (const r of hygieneQueries(engine.ctx.db!).trainingRows(tr.versionId)) words += (JSON.parse(r.content) as { messages: unknown[] }).messages.length;
  const floor = performance.now() - t;
  t = performance.now();
  const r = await engine.call('evals.contamination', { datasetVersionId: ev.versionId, split: 'all', trainingVersionIds: [tr.versionId] });
  const took = performance.now() - t;
  console.log(`baseline (stream + parse ${n.toLocaleString('en')} training rows): ${(floor / 1000).toFixed(2)} s`);
  console.log(`contamination (${m} items × ${r.trainingExamples.toLocaleString('en')} training examples, n=${r.n}): ${(took / 1000).toFixed(2)} s, ${r.flagged} flagged (expected ${Math.ceil(m / 10)})`);
  console.log(`ratio contamination / baseline: ${(took / floor).toFixed(2)}× (${words > 0 ? 'ok' : ''})`);
} finally {
  await engine.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
}
