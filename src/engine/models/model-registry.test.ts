import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { readGgufHeader } from './gguf-header.js';

/** The registry against the real tiny model (HF folder + GGUF) and real broken files. */
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

function open() {
  const dataDir = path.join(tempDir(), 'data');
  const engine = Engine.open({ dataDir, mode: 'test' });
  engines.push(engine);
  return { engine, dataDir };
}

const tinyGguf = () => inject('tinyGguf');
const tinyHf = () => path.join(path.dirname(inject('tinyGguf')), 'hf');
const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function expectRefused(p: Promise<unknown>, message: RegExp) {
  const err = (await p.then(() => null, (e: unknown) => e)) as { code?: string; message?: string; hint?: string } | null;
  expect(err, 'expected a refusal').not.toBeNull();
  expect(err!.code).toBe('INVALID_ARGUMENTS');
  expect(err!.message).toMatch(message);
  expect(err!.hint!.length).toBeGreaterThan(20);
}

describe('model registry', () => {
  it('imports the tiny HF folder by reference, with metadata, streamed hash progress and an audit entry', async () => {
    const { engine } = open();
    const progress: Array<number | null> = [];
    engine.ctx.events.listen('job.progress', (p) => p.kind === 'model.import' && progress.push(p.fraction));
    const inspected = await engine.call('models.inspect', { path: tinyHf() });
    expect(inspected).toMatchObject({ kind: 'base', format: 'hf', architecture: 'LlamaForCausalLM', contextLength: 512 });
    const { model, alreadyRegistered } = await engine.call('models.import', { path: tinyHf(), name: 'tiny' });
    expect(alreadyRegistered).toBe(false);
    expect(model).toMatchObject({ name: 'tiny', kind: 'base', format: 'hf', path: tinyHf(), copied: false, architecture: 'LlamaForCausalLM', contextLength: 512 });
    expect(model.parameters).toBe(158_016);
    expect(model.chatTemplate).toContain('<|im_start|>');
    expect(model.details.tokenizer).toEqual(expect.arrayContaining(['tokenizer.json', 'tokenizer.model']));
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.at(-1)).toBe(1);
    const again = await engine.call('models.import', { path: tinyHf() });
    expect(again).toMatchObject({ alreadyRegistered: true, model: { id: model.id } });
    const audit = await engine.call('audit.list', { actionPrefix: 'model.' });
    expect(audit.entries.map((e) => e.action)).toEqual(['model.import']);
    expect((await engine.call('models.list', {})).models.map((m) => m.id)).toEqual([model.id]);
  });

  it('imports the tiny GGUF with the sha256 sha256sum would print, and copies into the data folder on request', async () => {
    const { engine, dataDir } = open();
    const { model } = await engine.call('models.import', { path: tinyGguf(), copy: true });
    expect(model).toMatchObject({ kind: 'gguf', format: 'gguf', architecture: 'llama', contextLength: 512, parameters: 158_016, quantization: 'F16', copied: true });
    expect(model.sha256).toBe(sha256(tinyGguf()));
    expect(model.path.startsWith(path.join(dataDir, 'models'))).toBe(true);
    expect(sha256(model.path)).toBe(model.sha256);
    expect(model.chatTemplate).toContain('<|im_start|>');
    const child = await engine.call('models.get', { modelId: model.id });
    expect(child.children).toEqual([]);
  });

  it('refuses a truncated GGUF, a garbled header and crafted counts with clear errors, and keeps running', async () => {
    const { engine } = open();
    const dir = tempDir();
    const bytes = fs.readFileSync(tinyGguf());
    const truncated = path.join(dir, 'truncated.gguf');
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectRefused(engine.call('models.import', { path: truncated }), /truncated|runs past the end/);
    const garbled = path.join(dir, 'garbled.gguf');
    const g = Buffer.from(bytes);
    g.write('GGML', 0);
    fs.writeFileSync(garbled, g);
    await expectRefused(engine.call('models.import', { path: garbled }), /magic/);
    // A huge metadata count and a string length far past the end of the file: the classic crafted-GGUF attacks.
    const counts = Buffer.from(bytes);
    counts.writeBigUInt64LE(1n << 40n, 16);
    fs.writeFileSync(path.join(dir, 'counts.gguf'), counts);
    await expectRefused(engine.call('models.inspect', { path: path.join(dir, 'counts.gguf') }), /metadata entries/);
    const longString = Buffer.from(bytes);
    longString.writeBigUInt64LE(1n << 50n, 24); // the first key's length
    fs.writeFileSync(path.join(dir, 'string.gguf'), longString);
    await expectRefused(engine.call('models.inspect', { path: path.join(dir, 'string.gguf') }), /bytes long|file ends/);
    fs.writeFileSync(path.join(dir, 'tiny.gguf'), bytes.subarray(0, 10));
    await expectRefused(engine.call('models.inspect', { path: path.join(dir, 'tiny.gguf') }), /only 10 bytes/);
    // Nothing was registered, and the engine still answers.
    expect((await engine.call('models.list', {})).models).toEqual([]);
    expect((await engine.call('audit.list', { actionPrefix: 'model.' })).entries).toEqual([]);
    await expect(engine.call('models.import', { path: tinyGguf() })).resolves.toMatchObject({ model: { kind: 'gguf' } });
  });

  it('fuzzes the header: every truncation point and random byte flips give an error or a sound header, never a crash', () => {
    const bytes = fs.readFileSync(tinyGguf());
    const dir = tempDir();
    const file = path.join(dir, 'fuzz.gguf');
    const header = readGgufHeader(tinyGguf());
    let rng = 42;
    const rand = (n: number) => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) % n);
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(bytes.subarray(0, i < 150 ? rand(header.dataOffset + 64) : bytes.length));
      if (i >= 150) for (let k = 0; k < 4; k++) b[rand(header.dataOffset)] = rand(256);
      fs.writeFileSync(file, b);
      try {
        const h = readGgufHeader(file);
        for (const t of h.tensors) expect(h.dataOffset + t.offset + t.bytes).toBeLessThanOrEqual(b.length);
      } catch (err) {
        expect((err as { code?: string }).code, String(err)).toBe('INVALID_ARGUMENTS');
      }
    }
  });

  it('refuses pickle weights with an explanation, both as a file and as a folder without safetensors', async () => {
    const { engine } = open();
    const dir = tempDir();
    const pickle = path.join(dir, 'pytorch_model.bin');
    fs.writeFileSync(pickle, Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]));
    await expectRefused(engine.call('models.import', { path: pickle }), /pickle/);
    fs.writeFileSync(path.join(dir, 'config.json'), '{"architectures":["LlamaForCausalLM"]}');
    const err = await engine.call('models.import', { path: dir }).catch((e: { hint: string; message: string }) => e);
    expect((err as { message: string }).message).toMatch(/pickle.*run any code/);
    expect((err as { hint: string }).hint).toMatch(/safetensors/);
    expect((await engine.call('models.list', {})).models).toEqual([]);
  });

  it('refuses a truncated safetensors file in an HF folder', async () => {
    const { engine } = open();
    const dir = tempDir();
    for (const f of fs.readdirSync(tinyHf())) fs.copyFileSync(path.join(tinyHf(), f), path.join(dir, f));
    const weights = path.join(dir, 'model.safetensors');
    fs.truncateSync(weights, Math.floor(fs.statSync(weights).size / 2));
    await expectRefused(engine.call('models.import', { path: dir }), /truncated/);
  });

  it('cancels an import mid-hash and leaves no copy and no row behind', async () => {
    const { engine, dataDir } = open();
    const dir = tempDir();
    const big = path.join(dir, 'big.gguf');
    // A sound header followed by padding: large enough that hashing takes several progress ticks.
    fs.copyFileSync(tinyGguf(), big);
    fs.appendFileSync(big, Buffer.alloc(400 << 20));
    const jobId = 'cancel-me';
    const stop = engine.ctx.events.listen('job.progress', (p) => {
      if (p.jobId === jobId && p.state === 'running' && (p.fraction ?? 0) > 0) void engine.call('jobs.cancel', { jobId });
    });
    const err = await engine.call('models.import', { path: big, copy: true, jobId }).catch((e: { code: string }) => e);
    stop();
    expect((err as { code: string }).code).toBe('CANCELLED');
    expect((await engine.call('models.list', {})).models).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'models')) ? fs.readdirSync(path.join(dataDir, 'models')) : []).toEqual([]);
  });
});
