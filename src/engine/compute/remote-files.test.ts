import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { findPythonEnv } from '../training/python-env.js';
import { localShell } from './host-shell.js';
import { installTrainer, localManifest, modelHashCache, type WorkHost } from './remote-files.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** This machine's side of staging a base model: its manifest, and the hashes kept between stagings. */
describe('local manifest with a hash cache', () => {
  it('keeps the hash of a file whose size, mtime and inode are unchanged, and hashes a replaced file again', async () => {
    const root = tempDir('lathe-stage-model-');
    const cache = path.join(tempDir('lathe-stage-cache-'), 'm.json');
    fs.mkdirSync(path.join(root, 'sub'));
    fs.writeFileSync(path.join(root, 'model.safetensors'), 'weights');
    fs.writeFileSync(path.join(root, 'sub', 'tokenizer.json'), '{}');
    const first = await localManifest(root, [], cache);
    expect(first).toEqual({ 'model.safetensors': sha('weights'), 'sub/tokenizer.json': sha('{}') });

    // The recorded hash is what a second staging reads for an unchanged file: prove it by planting one in the cache.
    const kept = JSON.parse(fs.readFileSync(cache, 'utf8')) as Record<string, [number, string, number, string]>;
    kept['model.safetensors']![3] = 'a'.repeat(64);
    fs.writeFileSync(cache, JSON.stringify(kept));
    expect((await localManifest(root, [], cache))['model.safetensors']).toBe('a'.repeat(64));

    // A file replaced by a new one (as a re-download or a conversion writes it) is hashed again; so is every file
    // when the cache is unreadable, and a manifest without a cache never reads it.
    fs.writeFileSync(path.join(root, 'model.safetensors.new'), 'weights');
    fs.renameSync(path.join(root, 'model.safetensors.new'), path.join(root, 'model.safetensors'));
    expect((await localManifest(root, [], cache))['model.safetensors']).toBe(sha('weights'));
    fs.writeFileSync(cache, '{not json');
    expect(await localManifest(root, [], cache)).toEqual(first);
    expect(await localManifest(root, [])).toEqual(first);
  });

  it('keeps the target\'s cache beside the staged folder, never inside it (it would be part of the copy)', () => {
    const c = modelHashCache('/models/llama-3-8b', '/scratch/lathe/models/llama-3-8b-0123456789ab');
    expect(c.remote).toBe('/scratch/lathe/models/llama-3-8b-0123456789ab.lathe-hashes.json');
    expect(path.dirname(c.local)).toMatch(/staging-hashes$/);
    expect(modelHashCache('/models/other', '/x').local).not.toBe(c.local);
  });
});

/** Runs on one target start together: each stages Lathe's trainer into the one shared folder. */
describe('installing the trainer on a target', () => {
  it('lets several runs install it at once into a fresh work folder: every one succeeds and the copy is whole', async () => {
    const workDir = tempDir('lathe-target-work-');
    const t: WorkHost = { shell: localShell(), python: findPythonEnv().python, workDir };
    const counts = await Promise.all([installTrainer(t), installTrainer(t), installTrainer(t)]);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeGreaterThan(10);
    expect(fs.existsSync(path.join(workDir, 'trainer', 'lathe_trainer', 'remote.py'))).toBe(true);
  }, 120_000);

  it('waits while another Lathe process holds the folder\'s lock there, then copies', async () => {
    const workDir = tempDir('lathe-target-work-');
    const t: WorkHost = { shell: localShell(), python: findPythonEnv().python, workDir };
    const lockFile = path.join(workDir, 'trainer', 'lathe_trainer.lathe-lock');
    fs.mkdirSync(path.dirname(lockFile), { recursive: true });
    // Another process (as another Lathe's holder would) takes the flock and keeps it until told to let go.
    const other = spawn(t.python, ['-c', 'import fcntl,sys; f=open(sys.argv[1],"a"); fcntl.flock(f, fcntl.LOCK_EX); print("held", flush=True); sys.stdin.read()', lockFile], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => other.stdout.once('data', () => resolve()));
    let done = false;
    const install = installTrainer(t).then((n) => ((done = true), n));
    await new Promise((r) => setTimeout(r, 1500));
    expect(done).toBe(false);
    expect(fs.existsSync(path.join(workDir, 'trainer', 'lathe_trainer', 'remote.py'))).toBe(false);
    other.stdin.end();
    expect(await install).toBeGreaterThan(10);
    expect(fs.existsSync(path.join(workDir, 'trainer', 'lathe_trainer', 'remote.py'))).toBe(true);
  }, 120_000);

  it('says what failed when the lock cannot be taken there', async () => {
    const t: WorkHost = { shell: localShell(), python: '/nonexistent/python3', workDir: tempDir('lathe-target-work-') };
    await expect(installTrainer(t)).rejects.toMatchObject({ code: 'TARGET_FAILED', message: expect.stringMatching(/^On this machine, starting \/nonexistent\/python3 to lock .*lathe_trainer\.lathe-lock while copying failed/) });
  });
});
