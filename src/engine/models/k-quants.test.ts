import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { ensureLlamaTools } from './llama-tools.js';
import { readGgufHeader } from './gguf-header.js';

/**
 * k-quants through llama-quantize built from the bundled llama.cpp. The first run on a machine builds the tools
 * (~5–8 min on 2 cores, cached under <cache>/llama-tools/<sha>/); later runs reuse them.
 */
let engine: Engine;
beforeAll(async () => {
  const started = Date.now();
  const tools = await ensureLlamaTools();
  process.stderr.write(`[k-quants] llama tools ready in ${Date.now() - started} ms: ${tools.dir}\n`);
  engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
}, 1_200_000);
afterAll(async () => engine?.dispose());

describe('k-quants (llama-quantize from the bundled source)', () => {
  it('quantises the tiny model to Q4_K_M, Q5_K_M and Q6_K; each output is registered, smaller, and answers', async () => {
    const hf = (await engine.call('models.import', { path: path.join(path.dirname(inject('tinyGguf')), 'hf') })).model;
    const f16 = (await engine.call('models.convert', { modelId: hf.id, outtype: 'F16' })).model;
    for (const outtype of ['Q4_K_M', 'Q5_K_M', 'Q6_K'] as const) {
      const q = (await engine.call('models.convert', { modelId: f16.id, outtype })).model;
      expect(q).toMatchObject({ kind: 'gguf', parentId: f16.id, quantization: outtype });
      expect(q.sizeBytes).toBeLessThan(f16.sizeBytes);
      // The dim-64 tiny model has rows shorter than a k-quant block, so llama-quantize uses its fallback types
      // for them: what matters here is a sound file that llama.cpp loads and generates with.
      expect(readGgufHeader(q.path).tensors.length).toBe(readGgufHeader(f16.path).tensors.length);
      const r = await engine.ctx.inference.client().send('inference.chat', { requestId: `q-${outtype}`, modelPath: q.path, prompt: 'Hello', maxTokens: 8, temperature: 0, seed: 0 });
      expect(r.tokens).toBeGreaterThan(0);
    }
    // Straight from the HF folder as well (F16 intermediate, then quantise; the intermediate is removed).
    const direct = (await engine.call('models.convert', { modelId: hf.id, outtype: 'Q4_K_M' })).model;
    expect(fs.readdirSync(path.dirname(direct.path))).toEqual([path.basename(direct.path)]);
    // Requantising an already quantised file is refused with a reason.
    await expect(engine.call('models.convert', { modelId: direct.id, outtype: 'Q6_K' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  }, 300_000);
});
