/**
 * MinHash signatures over character 5-gram shingles, banded LSH to find candidate pairs, then a signature
 * similarity check and union-find into clusters. Written here because no well-kept JS MinHash library exists;
 * it is 32-bit integer arithmetic only, so it is fast in V8 and identical on every machine.
 */
const SHINGLE = 5;

export interface MinHashOptions {
  numPerm: number;
  bands: number;
  threshold: number;
}

export const DEFAULT_MINHASH: MinHashOptions = { numPerm: 128, bands: 16, threshold: 0.8 };

export function normaliseForDedup(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

export function shingles(text: string): Set<number> {
  const t = normaliseForDedup(text);
  const out = new Set<number>();
  if (t.length <= SHINGLE) {
    out.add(fnv1a(t, 0));
    return out;
  }
  for (let i = 0; i + SHINGLE <= t.length; i++) out.add(fnv1a(t, i));
  return out;
}

export function signature(text: string, numPerm: number): Uint32Array {
  const sig = new Uint32Array(numPerm).fill(0xffffffff);
  for (const s of shingles(text)) {
    for (let i = 0; i < numPerm; i++) {
      const h = mix32(s ^ SEEDS[i]!) >>> 0;
      if (h < sig[i]!) sig[i] = h;
    }
  }
  return sig;
}

export function signatureSimilarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same += 1;
  return same / a.length;
}

export function jaccard(a: string, b: string): number {
  const sa = shingles(a);
  const sb = shingles(b);
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter += 1;
  return inter / (sa.size + sb.size - inter || 1);
}

/** Clusters of item indices whose estimated Jaccard similarity is at least the threshold (pairs linked transitively). */
export function nearDuplicateClusters(texts: Iterable<string>, opts: MinHashOptions = DEFAULT_MINHASH): number[][] {
  const rows = opts.numPerm / opts.bands;
  const sigs: Uint32Array[] = [];
  const buckets = new Map<string, number[]>();
  let index = 0;
  for (const text of texts) {
    const sig = signature(text, opts.numPerm);
    sigs.push(sig);
    for (let b = 0; b < opts.bands; b++) {
      const key = `${b}:${Array.prototype.join.call(sig.subarray(b * rows, (b + 1) * rows), ',')}`;
      const bucket = buckets.get(key);
      if (bucket) bucket.push(index);
      else buckets.set(key, [index]);
    }
    index += 1;
  }
  const parent = Int32Array.from({ length: index }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const checked = new Set<number>();
  for (const bucket of buckets.values()) {
    if (bucket.length < 2) continue;
    const first = bucket[0]!;
    for (let k = 1; k < bucket.length; k++) {
      const other = bucket[k]!;
      const pairKey = first * index + other;
      if (checked.has(pairKey)) continue;
      checked.add(pairKey);
      if (signatureSimilarity(sigs[first]!, sigs[other]!) >= opts.threshold) parent[find(other)] = find(first);
    }
  }
  const clusters = new Map<number, number[]>();
  for (let i = 0; i < index; i++) {
    const root = find(i);
    const c = clusters.get(root);
    if (c) c.push(i);
    else clusters.set(root, [i]);
  }
  return [...clusters.values()].filter((c) => c.length > 1);
}

function fnv1a(s: string, start: number): number {
  let h = 0x811c9dc5;
  const end = Math.min(s.length, start + SHINGLE);
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x;
}

const SEEDS = Uint32Array.from({ length: 1024 }, (_, i) => mix32(i * 0x9e3779b9 + 0x1234567) >>> 0);
