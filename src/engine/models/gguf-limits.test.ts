import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { modelQueries } from '../db/queries/models.js';
import { Engine } from '../engine.js';
import { ForkedInferenceHost } from '../inference/inference-process.js';
import { readGgufHeader } from './gguf-header.js';

/** A copy of the tiny GGUF whose uint32 metadata `key` says `value` (the file is otherwise intact). */
function withUint32(key: string, value: number): string {
  const bytes = fs.readFileSync(inject('tinyGguf'));
  const at = bytes.indexOf(Buffer.from(key, 'utf8'));
  expect(at).toBeGreaterThan(0);
  expect(Number(bytes.readBigUInt64LE(at - 8))).toBe(key.length); // the key's length prefix: this is the key itself
  const typeAt = at + key.length;
  expect(bytes.readUInt32LE(typeAt)).toBe(4); // GGUF type 4: uint32
  bytes.writeUInt32LE(value, typeAt + 4);
  const file = path.join(tempDir(), `${key}-${value}.gguf`);
  fs.writeFileSync(file, bytes);
  return file;
}

let hosts: ForkedInferenceHost[] = [];
let engines: Engine[] = [];
afterEach(async () => {
  for (const h of hosts) await h.dispose();
  for (const e of engines) await e.dispose();
  hosts = [];
  engines = [];
});

describe('GGUF hyper-parameters beyond llama.cpp\'s limits', () => {
  it('are refused at import and inspection, before llama.cpp could abort on them', async () => {
    const crafted = withUint32('llama.block_count', 1000);
    expect(() => readGgufHeader(crafted)).toThrow(/cannot be loaded by llama\.cpp: llama\.block_count is 1000, outside 1-512/);
    const engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    engines.push(engine);
    await expect(engine.call('models.import', { path: crafted })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', hint: /would abort llama\.cpp/ });
    expect((await engine.call('models.list', {})).models).toHaveLength(0);
    expect(() => readGgufHeader(withUint32('llama.block_count', 2))).not.toThrow(); // the real value passes
  });

  it('do abort llama.cpp when loaded anyway; the error names the model, and the inference process comes back', async () => {
    const crafted = withUint32('llama.block_count', 1000);
    const host = new ForkedInferenceHost();
    hosts.push(host);
    const chat = (modelPath: string) => host.client().send('inference.chat', { requestId: `r-${path.basename(modelPath)}`, modelPath, prompt: 'Hello', maxTokens: 2 });
    await expect(chat(crafted)).rejects.toMatchObject({ code: 'INFERENCE_FAILED', message: /llama\.cpp crashed while running llama\.block_count-1000\.gguf \(SIGABRT\)/ });
    await vi.waitFor(() => expect(host.crashes).toBe(1)); // the process really died (its exit arrives after the channel closes)
    const again = await chat(inject('tinyGguf'));
    expect(again.stopReason).toBeTruthy();
  }, 60_000);
});

describe('a model file llama.cpp aborts on, registered before the check existed', () => {
  it('is marked in the registry when it crashes the inference process', async () => {
    const crafted = withUint32('llama.block_count', 1000);
    const engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    engines.push(engine);
    modelQueries(engine.ctx.db!).insert({
      id: 'old-import', name: 'old import', kind: 'base', format: 'gguf', path: crafted, sha256: 'x', size_bytes: 1, architecture: 'llama', parameters: null,
      context_length: null, quantization: null, chat_template: null, license: null, details: '{}', parent_id: null, run_id: null, copied: 0,
      created_at: new Date().toISOString(), created_by: 'test',
    });
    await expect(engine.ctx.inference.client().send('inference.chat', { requestId: 'x', modelPath: crafted, prompt: 'Hello', maxTokens: 2 }))
      .rejects.toMatchObject({ code: 'INFERENCE_FAILED' });
    const details = JSON.parse(modelQueries(engine.ctx.db!).get('old-import')!.details) as { llamaCppCrash?: { message: string } };
    expect(details.llamaCppCrash?.message).toMatch(/llama\.cpp crashed while running/);
  }, 60_000);
});
