import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'lathe.mjs');

/** The `lathe` the UI and doctor tell people to type: the package's bin, runnable from any folder (issue 19 item 11). */
describe('the lathe command of a checkout', () => {
  it('is the package bin and runs the CLI from another folder, passing its exit code through', () => {
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).bin).toEqual({ lathe: 'bin/lathe.mjs' });
    expect(fs.statSync(BIN).mode & 0o111).not.toBe(0);
    // Through a symbolic link, as `npm link` installs it, from a folder outside the checkout.
    const elsewhere = tempDir();
    const link = path.join(elsewhere, 'lathe');
    fs.symlinkSync(BIN, link);
    const dataDir = path.join(elsewhere, 'data');
    const list = spawnSync(link, ['models', 'list', '--data-dir', dataDir], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 60_000 });
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'lathe.db'))).toBe(true);

    const wrong = spawnSync(link, ['no-such-command'], { cwd: elsewhere, encoding: 'utf8', timeout: 60_000 });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr + wrong.stdout).toMatch(/no-such-command/);
  }, 120_000);
});
