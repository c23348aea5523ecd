import { inject, describe, expect, it, afterAll } from 'vitest';
import { FIXED_ANSWER_TEXT, fixedAnswer } from '../../../tests/support/forced-output.js';
import { ForkedInferenceHost } from './inference-process.js';

/**
 * Real node-llama-cpp (prebuilt CPU binary) in a real forked inference host, on the tiny GGUF that the
 * global setup built with the trainer and llama.cpp's converter.
 */
const host = new ForkedInferenceHost();
afterAll(() => host.dispose());

describe('inference host (real llama.cpp, tiny model)', () => {
  it('reports the CPU backend here', async () => {
    const probe = await host.client().send('inference.probe', {});
    expect(probe.backend).toBe('cpu');
    expect(probe.nodeLlamaCppVersion).toBe('3.21.1');
    expect(probe.cpuThreads).toBeGreaterThan(0);
  });

  it('streams a deterministic answer through the GGUF chat template', async () => {
    const modelPath = inject('tinyGguf');
    const client = host.client();
    const streamed: string[] = [];
    const stop = client.listen('inference.token', (t) => t.requestId === 'r1' && streamed.push(t.text));
    // Held to 24 tokens of a known answer by a grammar: the tiny model may otherwise end at once, streaming nothing.
    const args = { requestId: 'r1', modelPath, prompt: 'What is a substation?', maxTokens: 24, temperature: 0, seed: 1, jsonSchema: fixedAnswer(24) };
    const first = await client.send('inference.chat', args);
    stop();
    expect(first).toMatchObject({ tokens: 24, stopReason: 'maxTokens', text: expect.stringMatching(FIXED_ANSWER_TEXT) });
    expect(streamed.length).toBeGreaterThan(1);
    expect(streamed.join('')).toBe(first.text);
    const second = await client.send('inference.chat', { ...args, requestId: 'r2' });
    expect(second.text).toBe(first.text);
    // Unconstrained the answer is whatever the model says (maybe nothing), and just as repeatable.
    const { jsonSchema: _free, ...plain } = args;
    const a = await client.send('inference.chat', { ...plain, requestId: 'r3' });
    const b = await client.send('inference.chat', { ...plain, requestId: 'r4' });
    expect(b.text).toBe(a.text);
    expect(a.tokens).toBeLessThanOrEqual(24);
  });

  it('says clearly when the model file is missing', async () => {
    const err = await host
      .client()
      .send('inference.chat', { requestId: 'x', modelPath: '/nope/missing.gguf', prompt: 'hi' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_MISSING', message: expect.stringMatching(/missing\.gguf/) });
  });

  it('refuses a file that is not a GGUF with an error, not a crash', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bad-')), 'bad.gguf');
    fs.writeFileSync(bad, Buffer.alloc(4096, 7));
    const err = await host.client().send('inference.chat', { requestId: 'y', modelPath: bad, prompt: 'hi' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/INFERENCE_FAILED|TRANSPORT_CLOSED/) });
  });

  it('restarts after the host is killed; the caller gets an error, not a hang', async () => {
    const client = host.client();
    await client.send('inference.probe', {});
    const child = (host as unknown as { child: import('node:child_process').ChildProcess }).child;
    const pending = client.send('inference.chat', { requestId: 'k', modelPath: inject('tinyGguf'), prompt: 'hello', maxTokens: 400 });
    child.kill('SIGKILL');
    // Killed from outside (as the OOM killer does): the error says so and names the model, not "restart Lathe".
    await expect(pending).rejects.toMatchObject({ code: 'INFERENCE_FAILED', message: /was killed \(SIGKILL\) while running tiny\.gguf/ });
    const again = await host.client().send('inference.probe', {});
    expect(again.backend).toBe('cpu');
    expect(host.crashes).toBeGreaterThanOrEqual(1);
  });
});
