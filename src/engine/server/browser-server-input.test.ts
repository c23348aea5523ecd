import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { frameSchema } from '../../shared/contract/frames.js';
import { startBrowserServer, MAX_RPC_MESSAGE_BYTES, type BrowserServer } from './browser-server.js';
import { deepJson, int, ODD_JSON_TEXTS, pick, randomBytes, randomJson, randomString, seeded, truncated, withBadUtf8, type Rng } from './fuzz.test-support.js';
import { rawRequest } from './raw-http.test-support.js';

/**
 * Client input never breaks browser mode (issue "Hardening round 2", item 7): its HTTP side answers junk with a 4xx
 * and its WebSocket RPC answers every message that is not a valid request with an INVALID_ARGUMENTS error frame —
 * never INTERNAL, never a dropped socket, never a crashed process (an unparseable request target and a bad
 * WebSocket message both used to throw out of the server and kill `lathe serve`).
 */
let server: BrowserServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** What escaped the server as an uncaught exception: outside a test runner, each one ends the `lathe serve` process. */
const uncaught: string[] = [];
const onUncaught = (err: unknown) => uncaught.push(String(err));
beforeAll(() => void process.on('uncaughtException', onUncaught));
afterAll(() => void process.off('uncaughtException', onUncaught));

async function start(): Promise<BrowserServer> {
  const rendererDir = tempDir('lathe-renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
  server = await startBrowserServer({ dataDir: tempDir(), rendererDir, mode: 'test' });
  return server;
}

/** Percent-encodes every byte of a string's UTF-8 (lone surrogates included, which encodeURIComponent refuses). */
const pct = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

interface Reply {
  t: string;
  id?: number;
  result?: unknown;
  error?: { code: string; message: string; hint: string };
}

/** A test client over a raw `ws` socket: send anything, read the replies (push events set aside), see the close. */
async function connect(s: BrowserServer) {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`, { maxPayload: 2 * MAX_RPC_MESSAGE_BYTES });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const queue: Reply[] = [];
  let wake: (() => void) | null = null;
  let closed: { code: number; reason: string } | null = null;
  ws.on('message', (data) => {
    const reply = JSON.parse(String(data)) as Reply;
    if (reply.t === 'evt') return;
    queue.push(reply);
    wake?.();
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    wake?.();
  });
  ws.on('error', () => undefined);
  return {
    ws,
    closed: () => closed as { code: number; reason: string } | null,
    /** The next reply with this id (others before it are returned too, for the caller to judge). */
    async until(id: number, timeoutMs = 15_000): Promise<{ reply: Reply | null; before: Reply[] }> {
      const before: Reply[] = [];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (queue.length) {
          const r = queue.shift()!;
          if (r.id === id) return { reply: r, before };
          before.push(r);
        }
        if (closed || Date.now() > deadline) return { reply: null, before };
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
        wake = null;
      }
    },
    waitClose(timeoutMs = 15_000): Promise<{ code: number; reason: string } | null> {
      return new Promise((resolve) => {
        if (closed) return resolve(closed);
        const timer = setTimeout(() => resolve(closed), timeoutMs);
        ws.once('close', (code, reason) => {
          clearTimeout(timer);
          resolve({ code, reason: reason.toString() });
        });
      });
    },
  };
}

describe('browser mode: hostile HTTP requests', () => {
  it('a request target that is no path is a 400 — it used to throw before the token check and kill the server', async () => {
    const s = await start();
    for (const target of ['//', '/\\', '//[::1', '/%', '*', 'http://evil.example/']) {
      const r = await rawRequest(s.port, { target });
      expect(r.reset ? `reset ${r.error}` : r.status, target).toBeOneOf([400, 401]);
    }
    expect(await rawRequest(s.port, { target: `/?token=${s.token}` })).toMatchObject({ status: 200 });
    expect(uncaught).toEqual([]);
  });

  it('fuzz: 120 seeded requests (methods, targets, bodies up to 8 MB) — 2xx/4xx only, no reset', { timeout: 120_000 }, async () => {
    const s = await start();
    const rng = seeded(0xb10c);
    const failures: string[] = [];
    for (let i = 0; i < 120; i++) {
      const method = pick(rng, ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']);
      const target = pick(rng, ['/', `/?token=${s.token}`, `/assets/x.js?token=${s.token}`, `/..%2f..%2fetc%2fpasswd?token=${s.token}`, `//?token=${s.token}`, '/%', '/%00', '/ws', '*', `/${pct(randomString(rng))}?token=${s.token}`]);
      const size = pick(rng, [0, 0, 10, 1000, 100_000, 8 * 1024 * 1024]);
      const body = size ? randomBytes(rng, size) : undefined;
      const r = await rawRequest(s.port, { method, target, ...(body ? { body } : {}) });
      const label = `#${i} ${method} ${target} (${size} B)`;
      if (r.reset) failures.push(`${label} → reset ${r.error}`);
      else if (r.status >= 500 || r.status < 200) failures.push(`${label} → ${r.status}`);
    }
    expect(failures).toEqual([]);
    expect(uncaught).toEqual([]);
  });
});

describe('browser mode: hostile WebSocket messages', () => {
  it('invalid UTF-8 in a text message closes that socket with 1007, a message over the limit with 1009; the server lives on', async () => {
    const s = await start();
    const a = await connect(s);
    a.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await a.waitClose()).toMatchObject({ code: 1007 });
    const b = await connect(s);
    b.ws.send(Buffer.alloc(MAX_RPC_MESSAGE_BYTES + 1, 0x20));
    expect(await b.waitClose()).toMatchObject({ code: 1009 });
    const c = await connect(s);
    c.ws.send(JSON.stringify({ t: 'req', id: 7, name: 'app.ping', args: { message: 'still here' } }));
    expect((await c.until(7)).reply).toMatchObject({ t: 'res', result: { message: 'still here' } });
    c.ws.close();
    expect(uncaught).toEqual([]);
  });

  it('a message that is no frame gets an INVALID_ARGUMENTS error frame that says why (it used to vanish)', async () => {
    const s = await start();
    const c = await connect(s);
    c.ws.send('{"t":"req","id":');
    expect((await c.until(0)).reply).toMatchObject({ t: 'err', id: 0, error: { code: 'INVALID_ARGUMENTS', message: 'The message is not valid JSON.' } });
    c.ws.send(JSON.stringify({ t: 'req', id: 41, name: 5 }));
    expect((await c.until(41)).reply).toMatchObject({ t: 'err', error: { code: 'INVALID_ARGUMENTS', message: 'The message is not a protocol frame.' } });
    c.ws.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: true });
    expect((await c.until(0)).reply).toMatchObject({ t: 'err', error: { code: 'INVALID_ARGUMENTS', message: 'The message is not valid UTF-8.' } });
    c.ws.send('null');
    expect((await c.until(0)).reply).toMatchObject({ t: 'err', error: { code: 'INVALID_ARGUMENTS' } });
    c.ws.close();
  });

  it('fuzz: 300 seeded messages — one well-formed reply each (never INTERNAL), no reply to valid non-requests, socket kept open', { timeout: 300_000 }, async () => {
    const s = await start();
    const c = await connect(s);
    const rng = seeded(0x5eed);
    const failures: string[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const m = fuzzMessage(rng, i);
      c.ws.send(m.data, { binary: m.binary });
      const label = `#${i} ${m.kind} (${m.data.length} B): ${m.data.subarray(0, 120).toString('latin1')}`;
      if (m.replyId === null) {
        const sentinel = 1_000_000 + i;
        c.ws.send(JSON.stringify({ t: 'req', id: sentinel, name: 'app.ping', args: { message: 'sentinel' } }));
        const { reply, before } = await c.until(sentinel);
        if (!reply || reply.t !== 'res') failures.push(`${label} → sentinel unanswered (${c.closed() ? `socket closed ${JSON.stringify(c.closed())}` : 'timeout'})`);
        if (before.length) failures.push(`${label} → unexpected replies ${JSON.stringify(before).slice(0, 300)}`);
        seen.set(`${m.kind} none`, (seen.get(`${m.kind} none`) ?? 0) + 1);
        continue;
      }
      const { reply, before } = await c.until(m.replyId);
      if (before.length) failures.push(`${label} → unexpected replies ${JSON.stringify(before).slice(0, 300)}`);
      if (!reply) {
        failures.push(`${label} → no reply (${c.closed() ? `socket closed ${JSON.stringify(c.closed())}` : 'timeout'})`);
        if (c.closed()) break;
        continue;
      }
      const outcome = reply.t === 'res' ? 'res' : `err ${reply.error?.code}`;
      seen.set(`${m.kind} ${outcome}`, (seen.get(`${m.kind} ${outcome}`) ?? 0) + 1);
      if (reply.t === 'res') {
        if (!m.request) failures.push(`${label} → a result for something that was no request`);
      } else if (reply.t !== 'err' || !reply.error || typeof reply.error.message !== 'string' || !reply.error.message) {
        failures.push(`${label} → malformed reply ${JSON.stringify(reply).slice(0, 300)}`);
      } else if (reply.error.code === 'INTERNAL') {
        failures.push(`${label} → INTERNAL: ${reply.error.message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(c.closed()).toBeNull();
    expect(uncaught).toEqual([]);
    // the run covered what it claims: answered requests, refused frames, and silently accepted non-requests
    expect([...seen.keys()].some((k) => k.endsWith(' res'))).toBe(true);
    expect([...seen.keys()].some((k) => k.endsWith('err INVALID_ARGUMENTS'))).toBe(true);
    expect([...seen.keys()].some((k) => k.endsWith(' none'))).toBe(true);
    c.ws.close();
  });
});

/** Read-only handlers that answer fast from the database (no Python, no model); plus names that are no handler. */
const HANDLERS = ['app.info', 'app.ping', 'audit.list', 'audit.facets', 'datasets.list', 'datasets.versions', 'datasets.search', 'recipes.get', 'runs.get', 'runs.list', 'models.get', 'models.list', 'evals.get', 'evals.list', 'playground.conversation', 'serving.status', 'prefs.next', 'lineage.get', 'gate.get', 'synthetic.item', 'exports.list'];
const NOT_HANDLERS = ['', 'nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'app', 'app.info.x', 'APP.INFO', ' app.info', 'x'.repeat(10_000)];

interface FuzzMessage {
  kind: string;
  data: Buffer;
  binary: boolean;
  /** The id of the one reply it must get, or null when it must get none (a valid frame that is no request). */
  replyId: number | null;
  /** A valid request frame (may be answered with a result). */
  request: boolean;
}

/**
 * What the protocol promises for a message: a valid request frame gets one reply with its id; a valid frame of
 * another kind (res, err, evt) gets none; anything else one INVALID_ARGUMENTS error, with the message's own id when
 * it has a safe integer one, else 0.
 */
function expectation(data: Buffer): Pick<FuzzMessage, 'replyId' | 'request'> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { replyId: 0, request: false };
  }
  const frame = frameSchema.safeParse(value);
  if (frame.success) return frame.data.t === 'req' ? { replyId: frame.data.id, request: true } : { replyId: null, request: false };
  const id = (value as { id?: unknown } | null)?.id;
  return { replyId: Number.isSafeInteger(id) ? (id as number) : 0, request: false };
}

function fuzzMessage(rng: Rng, i: number): FuzzMessage {
  const m = fuzzBytes(rng, i + 1);
  return { ...m, ...expectation(m.data) };
}

function fuzzBytes(rng: Rng, id: number): { kind: string; data: Buffer; binary: boolean } {
  const text = (kind: string, value: string) => ({ kind, data: Buffer.from(value, 'utf8'), binary: false });
  const r = rng();
  if (r < 0.2) {
    const name = rng() < 0.8 ? pick(rng, HANDLERS) : pick(rng, NOT_HANDLERS);
    const args = rng() < 0.3 ? {} : rng() < 0.5 ? { id: pick(rng, ['x', '00000000-0000-0000-0000-000000000000', 1, '']) } : randomJson(rng, 3);
    return text(`req ${name.slice(0, 30)}`, JSON.stringify({ t: 'req', id, name, args }));
  }
  if (r < 0.4) {
    // a request frame with one field of the wrong type
    const frame: Record<string, unknown> = { t: 'req', id, name: pick(rng, HANDLERS), args: {} };
    const field = pick(rng, ['t', 'id', 'name', 'args', 'extra']);
    frame[field] = randomJson(rng, 2);
    return text(`wrong ${field}`, JSON.stringify(frame));
  }
  if (r < 0.47) {
    const kind = pick(rng, ['res', 'err', 'evt']);
    const frame = kind === 'res' ? { t: 'res', id, result: randomJson(rng, 2) } : kind === 'err' ? { t: 'err', id, error: { code: 'INTERNAL', message: 'x', hint: 'y' } } : { t: 'evt', name: randomString(rng), payload: randomJson(rng, 2) };
    return text(`valid ${kind}`, JSON.stringify(frame));
  }
  if (r < 0.6) return text('random json', JSON.stringify(randomJson(rng, 4)));
  if (r < 0.67) {
    const deep = deepJson(rng, pick(rng, [100, 10_000, 200_000]));
    return rng() < 0.5 ? text('deep', deep) : text('deep args', `{"t":"req","id":${id},"name":"${pick(rng, HANDLERS)}","args":${deep}}`);
  }
  if (r < 0.72) {
    const huge = 'h'.repeat(pick(rng, [100_000, 1_000_000, 8_000_000, MAX_RPC_MESSAGE_BYTES - 1024]));
    const name = pick(rng, HANDLERS);
    return rng() < 0.5 ? text('huge args', JSON.stringify({ t: 'req', id, name, args: { [pick(rng, ['id', 'message', 'query'])]: huge } })) : text('huge name', JSON.stringify({ t: 'req', id, name: huge, args: {} }));
  }
  if (r < 0.8) return { kind: 'invalid utf-8 (binary)', data: withBadUtf8(rng, JSON.stringify({ t: 'req', id, name: 'app.ping', args: { message: 'hi' } })), binary: true };
  if (r < 0.88) return text('truncated', truncated(rng, JSON.stringify({ t: 'req', id, name: pick(rng, HANDLERS), args: { message: 'hi', id: 'x' } })));
  if (r < 0.94) return text('odd json', pick(rng, ODD_JSON_TEXTS));
  return { kind: 'random bytes (binary)', data: randomBytes(rng, int(rng, 1, 4096)), binary: true };
}
