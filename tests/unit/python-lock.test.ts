import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without types
import { runtimeRequirements, TEST_ONLY } from '../../scripts/lock-python.mjs';

/**
 * The offline bundle installs from resources/trainer/requirements*.lock with `pip --require-hashes`; development
 * installs from requirements*.txt. This keeps the two in step: every pin in the .txt files is in the lock at the
 * same version, every locked package carries a sha256, and the test-only packages stay out of the bundle.
 */
const read = (file: string) => fs.readFileSync(`resources/trainer/${file}`, 'utf8');

function lockEntries(text: string): Map<string, { version: string; hashes: number }> {
  const entries = new Map<string, { version: string; hashes: number }>();
  let current: { version: string; hashes: number } | null = null;
  for (const line of text.split('\n')) {
    const pin = /^([A-Za-z0-9_.-]+)==([^\s;\\]+)/.exec(line);
    if (pin) {
      current = { version: pin[2]!, hashes: 0 };
      entries.set(pin[1]!.toLowerCase().replace(/_/g, '-'), current);
    } else if (current && /--hash=sha256:[0-9a-f]{64}/.test(line)) {
      current.hashes += 1;
    }
  }
  return entries;
}

describe('the trainer lock files', () => {
  for (const [lockFile, inputs] of [['requirements.lock', ['requirements.txt']], ['requirements-gpu.lock', ['requirements.txt', 'requirements-gpu.txt']]] as const) {
    it(`${lockFile} pins what ${inputs.join(' + ')} pin, each with a hash`, () => {
      const lock = lockEntries(read(lockFile));
      const wanted = (inputs as readonly string[]).flatMap((f) => runtimeRequirements(read(f)) as string[]);
      expect(wanted.length).toBeGreaterThan(5);
      for (const req of wanted) {
        const [name, version] = req.split('==') as [string, string];
        expect(lock.get(name.toLowerCase()), `${name} in ${lockFile} (run: node scripts/lock-python.mjs)`).toMatchObject({ version });
      }
      for (const [name, entry] of lock) expect(entry.hashes, `${name} has no --hash`).toBeGreaterThan(0);
      for (const name of TEST_ONLY as string[]) expect(lock.has(name)).toBe(false);
      expect(lock.has('torch')).toBe(true);
    });
  }
});
