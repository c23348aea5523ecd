import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ESTIMATES_FILE, proofEstimates, readShapes } from '../../bench/gpu/estimates.js';

describe('the GPU proof', () => {
  it('carries the memory estimates of its own shapes, as memory-estimate.ts computes them today', () => {
    const fresh = proofEstimates(readShapes());
    const stored = JSON.parse(fs.readFileSync(ESTIMATES_FILE, 'utf8')) as unknown;
    expect(stored, 'bench/gpu/estimates.json is stale: run `npx tsx bench/gpu/estimates.ts`').toEqual(fresh);
    expect(fresh.gpu['8b-lora']).toBeGreaterThan(fresh.gpu['1b-lora']!);
    expect(fresh.gpu['1b-qlora']).toBeLessThan(fresh.gpu['1b-lora']!);
  });
});
