/**
 * A small, seeded generator of hostile request bodies for the servers' input tests: the same seed gives the same
 * bodies on every machine, so a failure names a reproducible case (its index and kind).
 */

export type Rng = () => number;

/** mulberry32: 32-bit state, good enough to pick cases, identical everywhere. */
export function seeded(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

const ODD_STRINGS = ['', ' ', '\u00a0', '\u0000', '\ud800', '\udfff', '💥', 'null', '__proto__', 'constructor', '../../etc/passwd', '%s%n', '<script>', 'a'.repeat(300), '\r\n\r\n', 'Bearer x'];
const ODD_NUMBERS = [0, -0, -1, 1, 1.5, -1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324, 32_768, 32_769, 65_536, 0.1];
const KEYS = ['model', 'messages', 'prompt', 'role', 'content', 'type', 'text', 'max_tokens', 'stream', 'stop', 'seed', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', '💥', 'a.b', 't', 'id', 'name', 'args'];

export function randomString(rng: Rng): string {
  if (rng() < 0.5) return pick(rng, ODD_STRINGS);
  let s = '';
  for (let i = int(rng, 0, 24); i > 0; i--) s += String.fromCharCode(rng() < 0.8 ? int(rng, 0x20, 0x7e) : int(rng, 0, 0xffff));
  return s;
}

/** Any JSON value (depth-limited), biased to the shapes handlers trip over: null, odd numbers, odd keys. */
export function randomJson(rng: Rng, depth = 3): unknown {
  const r = rng();
  if (r < 0.15) return null;
  if (r < 0.25) return rng() < 0.5;
  if (r < 0.4) return rng() < 0.6 ? pick(rng, ODD_NUMBERS) : (rng() - 0.5) * 10 ** int(rng, 0, 12);
  if (r < 0.6 || depth <= 0) return randomString(rng);
  if (r < 0.8) return Array.from({ length: int(rng, 0, 4) }, () => randomJson(rng, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = int(rng, 0, 4); i > 0; i--) o[pick(rng, KEYS)] = randomJson(rng, depth - 1);
  return o;
}

/** Nested arrays or objects, `depth` deep, as JSON text (built as text: JSON.stringify would overflow the stack). */
export function deepJson(rng: Rng, depth: number): string {
  return rng() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Byte sequences that are not UTF-8: bad lead bytes, lone continuations, overlongs, surrogates, truncations. */
const BAD_UTF8 = [[0xff], [0xfe], [0x80], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xc3]];

/** `text` with an invalid UTF-8 sequence put inside it (inside a string value when there is one). */
export function withBadUtf8(rng: Rng, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const quotes: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x22) quotes.push(i);
  const at = quotes.length && rng() < 0.8 ? pick(rng, quotes) + 1 : int(rng, 0, bytes.length);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(pick(rng, BAD_UTF8)), bytes.subarray(at)]);
}

/** A prefix of `text` that is not itself complete JSON. */
export function truncated(rng: Rng, text: string): string {
  for (let tries = 0; tries < 20; tries++) {
    const cut = text.slice(0, int(rng, 0, Math.max(0, text.length - 1)));
    try {
      JSON.parse(cut);
    } catch {
      return cut;
    }
  }
  return text.slice(0, -1) + ',';
}

export function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(rng, 0, 255);
  return b;
}

/** JSON texts that parsers disagree on, or that are JSON but no request. */
export const ODD_JSON_TEXTS = ['', ' ', 'null', 'true', '0', '-0', '1e400', '"x"', '[]', '{}', '[null]', 'NaN', 'Infinity', 'undefined', "{'a':1}", '{"a":1,}', '{"a":1}{"b":2}', '{"a":1} x', '\ufeff{}', '{"__proto__":{"model":"x"}}', '{"constructor":{"prototype":{}}}', '\u0000', '{"a":"\\ud800"}', '{"a":"\\u00"}', '{"a":01}', '{"a":.5}', '{"a":+1}', '{"a":1e}'];
