import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { registerGguf } from '../playground/playground-kit.js';
import { deepJson, int, ODD_JSON_TEXTS, pick, randomBytes, randomJson, randomString, seeded, truncated, withBadUtf8, type Rng } from '../server/fuzz.test-support.js';
import { rawRequest, type RawAnswer } from '../server/raw-http.test-support.js';
import { MAX_BODY_BYTES } from './openai-server.js';

/**
 * Client input never makes the OpenAI endpoint fail (issue "Hardening round 2", item 7): malformed JSON or a body
 * of the wrong shape is a 400 that says why, an oversized body a 413 (answered, not reset), and nothing a client
 * sends is a 5xx. Valid chats use max_tokens 1 on the tiny model; what it says is not checked.
 */
let engine: Engine;
let port: number;
let key: string;
let modelId: string;

beforeAll(async () => {
  engine = Engine.open({ dataDir: path.join(tempDir('lathe-openai-input-'), 'data'), mode: 'test' });
  registerGguf(engine, inject('tinyGguf'), 'tiny-base');
  const status = await engine.call('serving.start', { port: 0 });
  port = status.port!;
  key = status.apiKey;
  const models = await rawRequest(port, { target: '/v1/models', headers: { authorization: `Bearer ${key}` } });
  modelId = ((models as { json: { data: Array<{ id: string }> } }).json.data[0]!).id;
});
afterAll(async () => {
  await engine?.dispose();
});

const post = (route: string, body: Buffer | string, headers: Record<string, string> = {}) =>
  rawRequest(port, { method: 'POST', target: route, body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers } });

function expectClientError(r: RawAnswer, status: number, reason: RegExp): void {
  expect(r.reset, r.reset ? `reset: ${r.error} after ${JSON.stringify(r.received)}` : '').toBe(false);
  if (r.reset) return;
  expect({ status: r.status, body: r.json }).toMatchObject({ status, body: { error: { message: expect.stringMatching(reason) } } });
}

describe('OpenAI endpoint: malformed and oversized bodies', () => {
  it('`null`, a non-object, and `{"messages":[null]}` are 400s that say why (they were 500 "This is a bug")', async () => {
    expectClientError(await post('/v1/chat/completions', 'null'), 400, /must be a JSON object/);
    expectClientError(await post('/v1/completions', 'null'), 400, /must be a JSON object/);
    expectClientError(await post('/v1/chat/completions', '[1]'), 400, /must be a JSON object/);
    expectClientError(await post('/v1/chat/completions', '{"messages":[null]}'), 400, /model: .*messages\.0: /);
    expectClientError(await post('/v1/chat/completions', JSON.stringify({ model: modelId, messages: [null] })), 400, /messages\.0: /);
    expectClientError(await post('/v1/chat/completions', JSON.stringify({ model: modelId, messages: [{ role: 'user', content: 'hi' }], stop: [null] })), 400, /stop/);
    expectClientError(await post('/v1/completions', JSON.stringify({ model: modelId, prompt: [{}] })), 400, /prompt/);
    expectClientError(await post('/v1/chat/completions', '{"model":'), 400, /not valid JSON/);
    expectClientError(await post('/v1/chat/completions', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 400, /not valid UTF-8/);
    expectClientError(await post('/v1/chat/completions', `{"model":"x","messages":[{"role":"user","content":"hi"}],"response_format":${deepJson(seeded(1), 10_000)}}`), 400, /nested more than/);
  });

  it('a request target that is no path is a 404, not a 500', async () => {
    for (const target of ['//', '/\\', '//[::1', '/%', '*', 'http://x/v1/models']) {
      const r = await rawRequest(port, { target, headers: { authorization: `Bearer ${key}` } });
      expectClientError(r, 404, /No route/);
    }
  });

  it('a 50 MB body is answered 413, without a reset (declared, chunked, and with Expect: 100-continue)', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
    expectClientError(await post('/v1/chat/completions', big), 413, /larger than 4 MB/);
    expectClientError(await post('/v1/completions', big), 413, /larger than 4 MB/);
    // chunked: no length announced, so the limit is counted as it arrives
    const chunked = await rawRequestChunked(port, big);
    expectClientError(chunked, 413, /larger than 4 MB/);
    // Expect: 100-continue: refused before the client sends a byte of it
    const early = await rawRequest(port, { method: 'POST', target: '/v1/chat/completions', headers: { authorization: `Bearer ${key}`, expect: '100-continue', 'content-length': String(big.length) } });
    expectClientError(early, 413, /larger than 4 MB/);
    // at the limit is read; one byte over is not
    const atLimit = Buffer.alloc(MAX_BODY_BYTES, 0x20);
    expectClientError(await post('/v1/chat/completions', atLimit), 400, /must be a JSON object|not valid JSON/);
    expectClientError(await post('/v1/chat/completions', Buffer.alloc(MAX_BODY_BYTES + 1, 0x20)), 413, /larger than/);
    // the endpoint still answers afterwards
    expect(await rawRequest(port, { target: '/v1/models', headers: { authorization: `Bearer ${key}` } })).toMatchObject({ status: 200 });
  });

  it('fuzz: 300 seeded bodies — every answer a 2xx or a 4xx with a JSON error, never a 5xx or a reset', { timeout: 300_000 }, async () => {
    const rng = seeded(0x1a7e);
    const cases = Array.from({ length: 300 }, (_, i) => fuzzCase(rng, i));
    const failures: string[] = [];
    const seen = new Map<string, number>();
    for (const [i, c] of cases.entries()) {
      const r = await post(c.route, c.body);
      const label = `#${i} ${c.kind} ${c.route} (${c.body.length} B): ${c.body.subarray(0, 120).toString('latin1')}`;
      if (r.reset) {
        failures.push(`${label} → reset (${r.error})`);
        continue;
      }
      seen.set(`${c.kind} ${r.status}`, (seen.get(`${c.kind} ${r.status}`) ?? 0) + 1);
      const okClientError = r.status >= 400 && r.status < 500 && typeof (r.json as { error?: { message?: unknown } } | undefined)?.error?.message === 'string';
      const ok2xx = r.status >= 200 && r.status < 300;
      if (c.valid && r.status !== 200) failures.push(`${label} → ${r.status} for a valid body: ${r.body.toString('utf8').slice(0, 300)}`);
      else if (!ok2xx && !okClientError) failures.push(`${label} → ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
      else if (c.body.length <= MAX_BODY_BYTES && r.status === 413) failures.push(`${label} → 413 under the limit`);
    }
    expect(failures).toEqual([]);
    // the run covered what it claims: valid answers, refusals of every kind, and at least one 413
    expect([...seen.keys()].filter((k) => k.endsWith(' 200')).length).toBeGreaterThan(0);
    expect(seen.get('oversized 413')).toBeGreaterThan(0);
  });
});

interface FuzzCase {
  kind: string;
  route: '/v1/chat/completions' | '/v1/completions';
  body: Buffer;
  /** A body the endpoint must answer 200. */
  valid: boolean;
}

function validBody(rng: Rng, route: FuzzCase['route']): Record<string, unknown> {
  const common = { model: rng() < 0.8 ? modelId : 'tiny-base', max_tokens: 1, temperature: 0, seed: int(rng, 0, 1000), ...(rng() < 0.3 ? { stream: true } : {}) };
  if (route === '/v1/completions') return { ...common, prompt: rng() < 0.8 ? `The ${randomWord(rng)}` : ['The ', randomWord(rng)] };
  const messages = [{ role: 'user', content: `What is ${randomWord(rng)}?` }];
  if (rng() < 0.3) messages.unshift({ role: 'system', content: 'Be brief.' });
  return { ...common, messages };
}

const randomWord = (rng: Rng) => pick(rng, ['a substation', 'a relay', 'zorbia', 'the grid', 'ünïcode ✓', '42']);

/** Field paths a body may be wrong at, and a setter for each. */
const FIELDS: Array<[string, (b: Record<string, unknown>, v: unknown) => void]> = [
  ['model', (b, v) => (b.model = v)],
  ['messages', (b, v) => (b.messages = v)],
  ['messages.0', (b, v) => ((b.messages as unknown[] | undefined) ? ((b.messages as unknown[])[0] = v) : (b.messages = [v]))],
  ['messages.0.role', (b, v) => (((b.messages as Array<Record<string, unknown>> | undefined)?.[0] ?? {}).role = v)],
  ['messages.0.content', (b, v) => (((b.messages as Array<Record<string, unknown>> | undefined)?.[0] ?? {}).content = v)],
  ['messages.0.content.0', (b, v) => (((b.messages as Array<Record<string, unknown>> | undefined)?.[0] ?? {}).content = [v])],
  ['prompt', (b, v) => (b.prompt = v)],
  ['max_tokens', (b, v) => (b.max_tokens = v)],
  ['max_completion_tokens', (b, v) => (b.max_completion_tokens = v)],
  ['temperature', (b, v) => (b.temperature = v)],
  ['top_p', (b, v) => (b.top_p = v)],
  ['seed', (b, v) => (b.seed = v)],
  ['stop', (b, v) => (b.stop = v)],
  ['stream', (b, v) => (b.stream = v)],
  ['stream_options', (b, v) => (b.stream_options = v)],
  ['response_format', (b, v) => (b.response_format = v)],
  ['response_format.json_schema', (b, v) => (b.response_format = { type: 'json_schema', json_schema: v })],
  ['response_format.json_schema.schema', (b, v) => (b.response_format = { type: 'json_schema', json_schema: { schema: v } })],
  ['n', (b, v) => (b.n = v)],
  ['tools', (b, v) => (b.tools = v)],
];
/** A wrong value must never turn a body into a long generation: counts that are valid are made invalid. */
const notAValidCount = (v: unknown) => (Number.isInteger(v) && (v as number) >= 2 && (v as number) <= 32_768 ? -1 : v);

function fuzzCase(rng: Rng, i: number): FuzzCase {
  const route = rng() < 0.6 ? '/v1/chat/completions' : '/v1/completions';
  const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
  const r = i % 10 === 0 ? 0 : rng(); // every tenth case valid, so valid answers are interleaved with the rest
  if (r < 0.1) return { kind: 'valid', route, body: json(validBody(rng, route)), valid: true };
  if (r < 0.35) {
    const body = validBody(rng, route);
    const [field, set] = pick(rng, FIELDS);
    const value = randomJson(rng, 3);
    set(body, field.startsWith('max_') ? notAValidCount(value) : value);
    if (body.max_tokens !== 1 && body.max_completion_tokens === undefined) body.max_completion_tokens = 1;
    return { kind: `wrong ${field}`, route, body: json(body), valid: false };
  }
  if (r < 0.47) return { kind: 'random json', route, body: json(randomJson(rng, 4)), valid: false };
  if (r < 0.55) {
    const depth = pick(rng, [65, 100, 1000, 100_000, 500_000]);
    const deep = deepJson(rng, depth);
    const body = rng() < 0.5 ? deep : JSON.stringify(validBody(rng, route)).replace(/}$/, `,"extra":${deep}}`);
    return { kind: 'deep', route, body: Buffer.from(body), valid: false };
  }
  if (r < 0.63) {
    const body = validBody(rng, route);
    const size = pick(rng, [100_000, 1_000_000, MAX_BODY_BYTES - 4096, MAX_BODY_BYTES + 1]);
    const huge = randomString(rng).slice(0, 8).padEnd(size, pick(rng, ['a', ' ', 'é', '{']));
    const [field, set] = pick(rng, FIELDS.filter(([f]) => !f.startsWith('max_')));
    set(body, huge);
    let bytes = json(body);
    if (size <= MAX_BODY_BYTES && bytes.length > MAX_BODY_BYTES) bytes = json({ ...body, [field.split('.')[0]!]: huge.slice(0, MAX_BODY_BYTES - 8192) });
    if (size <= MAX_BODY_BYTES && bytes.length > MAX_BODY_BYTES) bytes = bytes.subarray(0, MAX_BODY_BYTES);
    return { kind: bytes.length > MAX_BODY_BYTES ? 'oversized' : `huge ${field}`, route, body: bytes, valid: false };
  }
  if (r < 0.73) return { kind: 'invalid utf-8', route, body: withBadUtf8(rng, JSON.stringify(validBody(rng, route))), valid: false };
  if (r < 0.85) return { kind: 'truncated', route, body: Buffer.from(truncated(rng, JSON.stringify(validBody(rng, route)))), valid: false };
  if (r < 0.92) return { kind: 'odd json', route, body: Buffer.from(pick(rng, ODD_JSON_TEXTS)), valid: false };
  return { kind: 'random bytes', route, body: randomBytes(rng, int(rng, 1, 2048)), valid: false };
}

/** POST a body with Transfer-Encoding: chunked (no Content-Length), 1 MiB a chunk. */
function rawRequestChunked(p: number, body: Buffer): Promise<RawAnswer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 1 << 20) {
    const chunk = body.subarray(at, at + (1 << 20));
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return rawRequest(p, { method: 'POST', target: '/v1/chat/completions', headers: { authorization: `Bearer ${key}`, 'transfer-encoding': 'chunked' }, body: Buffer.concat(parts), chunkedBody: true });
}
