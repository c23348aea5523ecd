/**
 * Review and token-count benchmark (issue: datasets). On one generated version of N chat examples, in one run:
 * - token stats with the tiny model's tokenizer.json: first pass (tokenise + fill the cache) vs second pass (cache
 *   only), printed as a ratio;
 * - review actions per second (each one a transaction: history row, recomputed state, audit entry);
 * - p50/p95 latency of a filtered review page (status filter, and status + full-text search).
 *
 *   npx tsx bench/review-bench.ts [n=200000] [tokenN=5000]
 * (token counting runs on the first tokenN examples as their own dataset: the pure-JS tokenizer is the slow part.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../src/engine/engine.js';

const n = Number(process.argv[2] ?? 200_000);
const tokenN = Number(process.argv[3] ?? 5000);
const tokenizer = path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/hf');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-review-bench-'));
const words = 'breaker relay feeder bay transformer bushing oil sample grounding grid crew permit switching outage restoration inspection thermal imaging load tap changer insulator conductor'.split(' ');
let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const sentence = (k: number) => Array.from({ length: k }, () => words[Math.floor(rand() * words.length)]).join(' ');
const file = path.join(dir, 'bench.jsonl');
const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `Q${i}: ${sentence(12)}?` }, { role: 'assistant', content: sentence(20 + (i % 60)) }] }));
fs.writeFileSync(file, lines.join('\n'));
const tokenFile = path.join(dir, 'tokens.jsonl');
fs.writeFileSync(tokenFile, lines.slice(0, tokenN).join('\n'));

const engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
try {
  const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'bench' });
  const small = (await engine.call('datasets.import', { path: tokenFile, datasetName: 'bench-tokens' })).versionId;
  let t = performance.now();
  const first = await engine.call('datasets.stats', { versionId: small, tokenizerPath: tokenizer });
  const cold = performance.now() - t;
  t = performance.now();
  await engine.call('datasets.stats', { versionId: small, tokenizerPath: tokenizer });
  const warm = performance.now() - t;
  console.log(`token stats, ${tokenN} examples, ${first.tokens!.total} tokens: first ${(cold / 1000).toFixed(2)} s, cached ${(warm / 1000).toFixed(2)} s → cached/first ratio ${(warm / cold).toFixed(3)} (${(cold / warm).toFixed(1)}x faster)`);

  const actions = Math.min(2000, n);
  t = performance.now();
  for (let i = 0; i < actions; i++) await engine.call('reviews.act', { versionId, position: i, action: i % 3 === 0 ? 'reject' : 'accept' });
  const perSecond = actions / ((performance.now() - t) / 1000);
  console.log(`review actions: ${actions} in one engine, ${perSecond.toFixed(0)} actions/s (each with history, state and an audit entry)`);

  const latency = async (label: string, filter: Record<string, unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = performance.now();
      await engine.call('reviews.examples', { versionId, filter, offset: 0, limit: 200 });
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    console.log(`filtered page (${label}): p50 ${times[20]!.toFixed(1)} ms, p95 ${times[38]!.toFixed(1)} ms`);
  };
  await latency('no filter', {});
  await latency('status=rejected', { status: 'rejected' });
  await latency('status=unreviewed + search', { status: 'unreviewed', search: 'breaker relay' });
  t = performance.now();
  const made = await engine.call('reviews.makeVersion', { versionId, includeUnreviewed: true });
  console.log(`make version from the review of ${n} examples: ${((performance.now() - t) / 1000).toFixed(2)} s (kept ${made.kept})`);
  t = performance.now();
  const stats = await engine.call('datasets.stats', { versionId });
  console.log(`stats without tokens over ${stats.examples} examples: ${((performance.now() - t) / 1000).toFixed(2)} s`);
} finally {
  await engine.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
}
