import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.js';
import { openDatabase } from '../engine/db/connection.js';
import { modelQueries } from '../engine/db/queries/models.js';
import { COMMANDS, runLathe } from './cli.js';

const run = promisify(execFile);
/** The real `lathe` binary in a child process; its stdout and stderr are pipes, as in `lathe … | wc -c`. */
const lathe = (args: string[]) => run(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), ...args], { maxBuffer: 64 * 2 ** 20 });

afterEach(() => vi.restoreAllMocks());

/** `lathe ARGV…` in-process: exit code and stdout. */
async function inProcess(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await runLathe(argv), out };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('lathe --help', () => {
  it('every command in the table prints its usage on --help and -h, exits 0 and opens nothing', async () => {
    const dataDir = path.join(tempDir(), 'never-created');
    vi.stubEnv('LATHE_DATA_DIR', dataDir);
    const names = Object.keys(COMMANDS);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      for (const flag of ['--help', '-h']) {
        const r = await inProcess([name, flag]);
        expect(r, `lathe ${name} ${flag}`).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^lathe ${name}: .+\\n\\nUsage: lathe ${name}\\b`)) });
      }
      // After a verb and other flags too, and as `lathe help NAME`.
      expect((await inProcess([name, 'list', '--data-dir', dataDir, '--help'])).code, `lathe ${name} list … --help`).toBe(0);
      expect((await inProcess(['help', name])).out, `lathe help ${name}`).toMatch(new RegExp(`^lathe ${name}: `));
    }
    expect(fs.existsSync(dataDir)).toBe(false);
    vi.unstubAllEnvs();
  });

  it('help is an option only: a flag value "-h" or a word after -- is not a request for help', async () => {
    const d = ['--data-dir', path.join(tempDir(), 'data')];
    await expect(runLathe(['models', 'frobnicate', '--name=-h', ...d])).rejects.toMatchObject({ message: 'Unknown models command "frobnicate".' });
    await expect(runLathe(['models', 'frobnicate', ...d, '--', '--help'])).rejects.toMatchObject({ message: 'Unknown models command "frobnicate".' });
    await expect(runLathe(['models', '--bogus'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/Unknown option '--bogus'/) });
  });
});

describe('the lathe process', () => {
  it('writes all of a large output to a pipe before it exits (models list --json over 64 KiB)', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'model.gguf');
    fs.writeFileSync(file, 'GGUF');
    const { db } = openDatabase(dataDir);
    const q = modelQueries(db);
    const n = 2000; // about 1 MB of JSON: far more than a pipe holds, so an early exit cannot go unnoticed
    db.transaction(() => {
      for (let i = 0; i < n; i += 1) {
        q.insert({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `Zorbia facts · Q8_0 #${i}`, kind: 'gguf', format: 'gguf', path: file, sha256: `sha-${i}`,
          size_bytes: 4, architecture: 'llama', parameters: null, context_length: null, quantization: 'Q8_0', chat_template: null, license: null, details: '{}',
          parent_id: null, run_id: null, copied: 0, created_at: new Date().toISOString(), created_by: 'test',
        });
      }
    })();
    db.close();
    const { stdout } = await lathe(['models', 'list', '--json', '--data-dir', dataDir]);
    expect(Buffer.byteLength(stdout)).toBeGreaterThan(16 * 65_536);
    const models = JSON.parse(stdout) as Array<{ id: string }>;
    expect(models).toHaveLength(n);
  });

  it('exits 0 with the usage on stdout for `lathe <command> --help`', async () => {
    const { stdout, stderr } = await lathe(['models', '--help']);
    expect(stdout).toMatch(/^lathe models: .*\n\nUsage: lathe models list/);
    expect(stderr).toBe('');
  });
});
