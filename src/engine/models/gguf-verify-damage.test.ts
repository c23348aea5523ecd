import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { runExportPython } from './export-python.js';
import { ggufReferenceSchema, verifyGguf, type GgufReference } from './gguf-verify.js';
import { convertHfToGguf } from './llama-converters.js';

/**
 * The GGUF check must be able to fail: a conversion that maps tensors wrongly gives a file that loads and talks
 * but computes another function. Damage is made the way a converter bug would make it — tensors filed under the
 * wrong names in the safetensors header — then the folder is converted by llama.cpp's own converter and checked
 * against the undamaged model, at the loosest tolerance Lathe has (the k-quants'). Real files, real llama.cpp.
 */
let engine: Engine;
let hfDir: string;
let reference: GgufReference;

beforeAll(async () => {
  engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
  hfDir = path.join(path.dirname(inject('tinyGguf')), 'hf');
  reference = ggufReferenceSchema.parse(await runExportPython(['reference', '--model', hfDir]));
}, 300_000);
afterAll(async () => engine?.dispose());

/** A copy of the HF folder whose safetensors header files tensor `a` under `b`'s name and `b` under `a`'s. */
function withSwappedNames(swap: (name: string) => string): string {
  const dir = path.join(tempDir('lathe-damaged-'), 'hf');
  fs.cpSync(hfDir, dir, { recursive: true });
  const file = path.join(dir, 'model.safetensors');
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  const renamed = Object.fromEntries(Object.entries(header).map(([k, v]) => [k === '__metadata__' ? k : swap(k), v]));
  // Same length, so the data offsets stay valid: pad with spaces as the format allows.
  const text = JSON.stringify(renamed).padEnd(headerLength, ' ');
  expect(Buffer.byteLength(text)).toBe(headerLength);
  bytes.write(text, 8, 'utf8');
  fs.writeFileSync(file, bytes);
  return dir;
}

async function damagedGguf(swap: (name: string) => string): Promise<string> {
  const dir = withSwappedNames(swap);
  const out = path.join(path.dirname(dir), 'damaged-f16.gguf');
  await convertHfToGguf(dir, out, 'f16');
  return out;
}

describe('a GGUF that computes another function is refused, however loose the tolerance', () => {
  it('two layers swapped', async () => {
    const gguf = await damagedGguf((n) => n.replace(/^model\.layers\.([01])\./, (_, i: string) => `model.layers.${i === '0' ? 1 : 0}.`));
    const err = await verifyGguf(engine.ctx, gguf, 'Q4_K_M', reference).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/does not compute what the source model computes: mean KL \d+\.\d+ nats \(tolerance 1 for Q4_K_M\)/);
  }, 120_000);

  it('attention projections filed under each other’s names (q ↔ o)', async () => {
    const gguf = await damagedGguf((n) => n.replace(/^(model\.layers\.1\.self_attn\.)(q|o)_proj/, (_, p: string, w: string) => `${p}${w === 'q' ? 'o' : 'q'}_proj`));
    const err = await verifyGguf(engine.ctx, gguf, 'Q4_K_M', reference).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/does not compute what the source model computes/);
  }, 120_000);

  it('a GGUF whose tokenizer turns the same prompt into other ids is refused, naming the first difference', async () => {
    const out = path.join(tempDir('lathe-tok-'), 'sound-f16.gguf');
    await convertHfToGguf(hfDir, out, 'f16');
    // The source's tokenizer "said" other ids for the text than llama.cpp's vocabulary gives: as a converter that
    // mangled special tokens or merges would make it.
    const tokens = [...reference.tokens];
    tokens[3] = (tokens[3]! + 1) % 500;
    const err = await verifyGguf(engine.ctx, out, 'F16', { ...reference, tokens }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/tokenises differently from the model it was converted from: .*first difference at position 3/);
  }, 120_000);

  it('the undamaged conversion passes the strictest tolerance (F16), with the same token ids and metadata', async () => {
    const out = path.join(tempDir('lathe-sound-'), 'sound-f16.gguf');
    await convertHfToGguf(hfDir, out, 'f16');
    const check = await verifyGguf(engine.ctx, out, 'F16', reference);
    expect(check.logits.passed).toBe(true);
    expect(check.logits.meanKl).toBeLessThan(check.logits.tolerance.meanKl);
    expect(check.tokenizer.identical).toBe(true);
    expect(check.metadata.passed).toBe(true);
  }, 120_000);
});
