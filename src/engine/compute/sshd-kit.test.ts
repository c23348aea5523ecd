import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, shellQuote, startTestSshServer, type TestSshServer } from './sshd.test-support.js';

/**
 * The ssh test kit itself: a real sshd on loopback that a real ssh and rsync log into with the kit's key only, and
 * that can drop live connections while keeping its listener.
 */
describe('test sshd kit', () => {
  let server: TestSshServer;
  const scratch: string[] = [];
  const target = () => `${server.user}@127.0.0.1`;
  const ssh = (...remote: string[]) => run('ssh', [...server.sshArgs, target(), '--', ...remote], 25_000);

  beforeAll(async () => {
    server = await startTestSshServer();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
  });

  const mkdir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };

  it('runs a command over ssh and brings back its output and exit status', async () => {
    const hello = await ssh('echo', 'hello');
    expect(hello.stderr).toBe('');
    expect(hello.code).toBe(0);
    expect(hello.stdout).toBe('hello\n');

    const seven = await ssh('exit 7');
    expect(seven.code).toBe(7);

    const env = await ssh('printf %s "$PATH"');
    expect(env.stdout.split(':')).toEqual(expect.arrayContaining(['/usr/local/bin', '/usr/bin', '/bin']));
  }, 30_000);

  it('carries rsync', async () => {
    const src = mkdir('lathe-sshd-src-');
    const dst = mkdir('lathe-sshd-dst-');
    const content = `weights ${Date.now()}\n`.repeat(1000);
    fs.mkdirSync(path.join(src, 'sub'));
    fs.writeFileSync(path.join(src, 'sub', 'model.bin'), content);

    const r = await run('rsync', ['-a', '-e', shellQuote(['ssh', ...server.sshArgs]), `${src}/`, `${target()}:${dst}/`], 25_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dst, 'sub', 'model.bin'), 'utf8')).toBe(content);
  }, 30_000);

  it('drops a live session mid-stream and still accepts a new connection', async () => {
    const client = spawn('ssh', [...server.sshArgs, target(), '--', 'echo started; sleep 30; echo late'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    client.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => client.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`remote session never started; ssh stderr: ${stderr}`)), 15_000);
        client.stdout.on('data', (c: Buffer) => {
          stdout += c.toString('utf8');
          if (stdout.includes('started\n')) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`ssh exited (${code}) before the session started; stderr: ${stderr}`));
        });
      });

      const dropped = Date.now();
      await server.dropConnections();
      const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 8_000))]);
      expect(code).toBe(255);
      expect(Date.now() - dropped).toBeLessThan(8_000);
      expect(stdout).not.toContain('late');
    } finally {
      client.kill('SIGKILL');
    }

    const again = await ssh('echo', 'back');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('back\n');
  }, 30_000);

  it('refuses a client without the key: public key is the only way in', async () => {
    const dir = mkdir('lathe-sshd-stranger-');
    const strangerKey = path.join(dir, 'id_ed25519');
    const keygen = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey]);
    expect(keygen.code).toBe(0);
    const args = server.sshArgs.map((a) => (a === server.identityFile ? strangerKey : a));
    expect(args).toContain(strangerKey);

    const r = await run('ssh', [...args, target(), '--', 'true'], 25_000);
    expect(r.code).toBe(255);
    // The server offers nothing but publickey: no password or keyboard-interactive method to fall back to.
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  }, 30_000);
});
