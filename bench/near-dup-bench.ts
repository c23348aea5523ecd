/**
 * Near-duplicate benchmark (issue: datasets). MinHash/LSH clustering of N generated examples (a fifth of them
 * light edits of others), then recall against a brute-force Jaccard check on a sample, in one run.
 *
 *   npx tsx bench/near-dup-bench.ts [n=100000] [sample=5000]
 */
import { jaccard, nearDuplicateClusters } from '../src/engine/datasets/minhash.js';

const n = Number(process.argv[2] ?? 100_000);
const sampleSize = Number(process.argv[3] ?? 5000);
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const words = 'breaker relay feeder bay transformer bushing oil sample grounding grid crew permit switching outage restoration inspection thermal imaging load tap changer insulator conductor'.split(' ');
const sentence = () => Array.from({ length: 14 + Math.floor(rand() * 10) }, () => words[Math.floor(rand() * words.length)]).join(' ');
const edit = (t: string) => (rand() < 0.5 ? t.replace(/^(\w+)/, (w) => w.toUpperCase()) : t + ' today');

const texts: string[] = [];
for (let i = 0; i < n; i++) texts.push(i > 0 && rand() < 0.2 ? edit(texts[Math.floor(rand() * i)]!) : sentence());

let t = performance.now();
const clusters = nearDuplicateClusters(texts);
const seconds = (performance.now() - t) / 1000;
console.log(`n=${n}: ${clusters.length} clusters, ${clusters.reduce((s, c) => s + c.length - 1, 0)} duplicates in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(0)} examples/s)`);

const sample = texts.slice(0, sampleSize);
t = performance.now();
const sampleClusters = nearDuplicateClusters(sample);
const clusterOf = new Map<number, number>();
sampleClusters.forEach((c, k) => c.forEach((i) => clusterOf.set(i, k)));
let truePairs = 0;
let found = 0;
for (let i = 0; i < sample.length; i++) {
  for (let j = i + 1; j < sample.length; j++) {
    if (jaccard(sample[i]!, sample[j]!) >= 0.8) {
      truePairs += 1;
      if (clusterOf.has(i) && clusterOf.get(i) === clusterOf.get(j)) found += 1;
    }
  }
}
console.log(`brute force on ${sampleSize}: ${truePairs} pairs at Jaccard >= 0.8 in ${((performance.now() - t) / 1000).toFixed(1)} s; MinHash found ${found}`);
console.log(`recall ${(found / Math.max(1, truePairs)).toFixed(3)} (goal >= 0.9)`);
