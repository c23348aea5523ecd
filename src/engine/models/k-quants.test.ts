import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { ensureLlamaTools, LLAMA_TOOLS_HOOK_TIMEOUT_MS } from './llama-tools.js';
import { readGgufHeader } from './gguf-header.js';
import { runExportPython } from './export-python.js';
import { ggufReferenceSchema, verifyGguf } from './gguf-verify.js';

/**
 * k-quants through llama-quantize built from the bundled llama.cpp. The first run on a machine builds the tools
 * (~5–8 min on 2 cores, cached under <cache>/llama-tools/<sha>/); later runs reuse them.
 */
let engine: Engine;
beforeAll(async () => {
  const started = Date.now();
  const tools = await ensureLlamaTools({ onLog: (l) => /^(Waiting|Building llama)/.test(l) && process.stderr.write(`[k-quants] ${l}\n`) });
  process.stderr.write(`[k-quants] llama tools ready in ${Date.now() - started} ms: ${tools.dir}\n`);
  engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
}, LLAMA_TOOLS_HOOK_TIMEOUT_MS);
afterAll(async () => engine?.dispose());

describe('k-quants (llama-quantize from the bundled source)', () => {
  it('quantises the tiny model to Q4_K_M, Q5_K_M and Q6_K; each output is registered, smaller, and computes what the source does', async () => {
    const hf = (await engine.call('models.import', { path: path.join(path.dirname(inject('tinyGguf')), 'hf') })).model;
    const reference = ggufReferenceSchema.parse(await runExportPython(['reference', '--model', hf.path]));
    const f16 = (await engine.call('models.convert', { modelId: hf.id, outtype: 'F16' })).model;
    for (const outtype of ['Q4_K_M', 'Q5_K_M', 'Q6_K'] as const) {
      const q = (await engine.call('models.convert', { modelId: f16.id, outtype })).model;
      expect(q).toMatchObject({ kind: 'gguf', parentId: f16.id, quantization: outtype });
      expect(q.sizeBytes).toBeLessThan(f16.sizeBytes);
      // The dim-64 tiny model has rows shorter than a k-quant block, so llama-quantize uses its fallback types
      // for them: what matters here is a sound file whose next-token distributions follow the source's (not
      // whether this tiny model happens to say something after "Hello": EOS at once is a valid answer).
      expect(readGgufHeader(q.path).tensors.length).toBe(readGgufHeader(f16.path).tensors.length);
      const check = await verifyGguf(engine.ctx, q.path, outtype, reference);
      process.stderr.write(`[k-quants] ${outtype}: mean KL ${check.logits.meanKl.toExponential(2)}, top-1 ${check.logits.top1Agreement} of ${check.logits.decisivePositions}\n`);
      expect(check.logits.passed).toBe(true);
      expect(check.logits.meanKl).toBeGreaterThan(0); // quantised: not bit-identical to the source
    }
    // Straight from the HF folder as well (F16 intermediate, then quantise; the intermediate is removed).
    const direct = (await engine.call('models.convert', { modelId: hf.id, outtype: 'Q4_K_M' })).model;
    expect(fs.readdirSync(path.dirname(direct.path))).toEqual([path.basename(direct.path)]);
    // Requantising an already quantised file is refused with a reason.
    await expect(engine.call('models.convert', { modelId: direct.id, outtype: 'Q6_K' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  }, 300_000);
});
