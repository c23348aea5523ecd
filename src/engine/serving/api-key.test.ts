import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { rawRequest } from '../server/raw-http.test-support.js';
import { apiKeyFile, bearerMatches, ensureApiKey, readApiKey } from './api-key.js';

/**
 * The OpenAI endpoint's key (issue "Hardening round 2", item 2): made only when serving starts, written atomically,
 * never empty, and compared exactly — an empty key file once let `Bearer <no-break space>` in.
 */
let engine: Engine | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await engine?.dispose();
  engine = null;
});

function open(): { engine: Engine; dataDir: string; file: string } {
  const dataDir = path.join(tempDir(), 'data');
  engine = Engine.open({ dataDir, mode: 'test' });
  return { engine, dataDir, file: apiKeyFile(dataDir) };
}

/** How a client sends a non-Latin-1 character in a header: its UTF-8 bytes, which Node reads back as Latin-1. */
const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const models = (port: number, authorization: string) => rawRequest(port, { target: '/v1/models', headers: { authorization } });

describe('API key: presented keys', () => {
  it('an empty key file + `Bearer \\u00a0` (or any blank key) is refused; the endpoint serves with a fresh key instead', async () => {
    const { engine, file } = open();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, ''); // what a key write on a full disk used to leave
    const status = await engine.call('serving.start', { port: 0 });
    for (const header of ['Bearer \u00a0', 'Bearer \u00a0\u00a0', `Bearer ${utf8('\u3000')}`, 'Bearer \t', 'Bearer', 'Bearer ', 'bearer', '', 'Basic Og==']) {
      const r = await models(status.port!, header);
      expect(r.reset ? -1 : r.status, JSON.stringify(header)).toBe(401);
    }
    for (const header of [`Bearer \u00a0${status.apiKey}`, `Bearer ${status.apiKey}\u00a0`, `Bearer  ${status.apiKey}`, `Bearer\t${status.apiKey}`, `Token ${status.apiKey}`, `Bearer ${status.apiKey.slice(0, -1)}`]) {
      const r = await models(status.port!, header);
      expect(r.reset ? -1 : r.status, JSON.stringify(header)).toBe(401);
    }
    expect(status.apiKey).toMatch(/^lathe-[A-Za-z0-9_-]{32}$/);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${status.apiKey}\n`);
    expect(await models(status.port!, `Bearer ${status.apiKey}`)).toMatchObject({ status: 200 });
    expect(await models(status.port!, `bearer ${status.apiKey}`)).toMatchObject({ status: 200 }); // the scheme is case-insensitive
  });

  it('bearerMatches: exact `Bearer ` + key, no trimming, no empty keys', () => {
    const key = 'lathe-abcdefghijklmnopqrstuvwxyz012345';
    expect(bearerMatches(`Bearer ${key}`, key)).toBe(true);
    expect(bearerMatches('Bearer \u00a0', '')).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
    expect(bearerMatches(`Bearer ${key} `, key)).toBe(false);
    expect(bearerMatches(` Bearer ${key}`, key)).toBe(false);
    expect(bearerMatches(undefined, key)).toBe(false);
  });
});

describe('API key: when and how it is written', () => {
  it('an engine that never served neither creates nor rewrites the key file on shutdown (or on status)', async () => {
    const first = open();
    await first.engine.call('serving.status', {});
    await first.engine.call('serving.stop', {});
    await first.engine.dispose();
    engine = null;
    expect(fs.existsSync(first.file)).toBe(false);

    const second = open();
    fs.mkdirSync(path.dirname(second.file), { recursive: true });
    fs.writeFileSync(second.file, 'lathe-keptkeptkeptkeptkeptkeptkeptkept\n', { mode: 0o600 });
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(second.file, old, old);
    const inode = fs.statSync(second.file).ino;
    expect((await second.engine.call('serving.status', {})).apiKey).toBe('lathe-keptkeptkeptkeptkeptkeptkeptkept');
    await second.engine.dispose();
    engine = null;
    const after = fs.statSync(second.file);
    expect(fs.readFileSync(second.file, 'utf8')).toBe('lathe-keptkeptkeptkeptkeptkeptkeptkept\n');
    expect(after.mtime.getTime()).toBe(old.getTime());
    expect(after.ino).toBe(inode);
    expect(listing(path.dirname(second.file))).toEqual(['api-key']);
  });

  it('is made when serving first starts: 0600, atomically (no temp file left), and reused on the next start', async () => {
    const { engine, file } = open();
    expect(fs.existsSync(file)).toBe(false);
    const first = await engine.call('serving.start', { port: 0 });
    expect(fs.readFileSync(file, 'utf8')).toBe(`${first.apiKey}\n`);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(listing(path.dirname(file))).toEqual(['api-key']);
    await engine.call('serving.stop', {});
    expect((await engine.call('serving.start', { port: 0 })).apiKey).toBe(first.apiKey);
  });

  it('a write failure (full disk) leaves the old file as it was, starts nothing, and says so clearly', async () => {
    const { engine, file } = open();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '\n');
    const realWrite = fs.writeFileSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation((target, ...rest) => {
      if (typeof target === 'number') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return realWrite(target, ...(rest as [string]));
    });
    const err = await engine.call('serving.start', { port: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringContaining(`Could not save a new API key to ${file}: the disk is full (ENOSPC). The endpoint was not started.`) });
    expect((err as { hint: string }).hint).toMatch(/Free some disk space/);
    expect(fs.readFileSync(file, 'utf8')).toBe('\n');
    expect(listing(path.dirname(file))).toEqual(['api-key']);
    expect(await engine.call('serving.status', {})).toMatchObject({ running: false, apiKey: '' });
  });

  it('a key path replaced by a directory is refused with a clear error and left alone', async () => {
    const { engine, file } = open();
    fs.mkdirSync(file, { recursive: true });
    fs.writeFileSync(path.join(file, 'inside'), 'x');
    await expect(engine.call('serving.start', { port: 0 })).rejects.toMatchObject({ message: `The API key path ${file} is not a file.`, hint: expect.stringMatching(/Remove it/) });
    expect(fs.readdirSync(file)).toEqual(['inside']);
    expect(await engine.call('serving.status', {})).toMatchObject({ running: false, apiKey: '' });
  });

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)('a read-only data folder: an empty key is not served with; the error says why', async () => {
    const { engine, file } = open();
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, '');
    fs.chmodSync(dir, 0o500);
    try {
      await expect(engine.call('serving.start', { port: 0 })).rejects.toMatchObject({ message: expect.stringMatching(/Could not save a new API key .*permission denied/) });
      expect(fs.readFileSync(file, 'utf8')).toBe('');
    } finally {
      fs.chmodSync(dir, 0o700);
    }
  });

  it('a malformed key file (blank Unicode, too short, spaces) is never taken as a key', async () => {
    const { engine, file } = open();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (const content of ['\u00a0\n', '\u3000', 'short', 'lathe key with spaces in it', 'lathe-\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9']) {
      fs.writeFileSync(file, content);
      await expect(engine.call('serving.start', { port: 0 }), JSON.stringify(content)).rejects.toMatchObject({ message: expect.stringContaining('does not hold a usable key'), hint: expect.stringMatching(/Delete the file/) });
      expect(fs.readFileSync(file, 'utf8')).toBe(content);
    }
    expect(() => readApiKey(file)).toThrow(/does not hold a usable key/);
    fs.writeFileSync(file, '  my-own-lab-key-0123456789\r\n'); // a person's own key, with an editor's padding
    expect(ensureApiKey(file)).toBe('my-own-lab-key-0123456789');
  });
});
