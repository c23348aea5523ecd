import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.js';

/**
 * A real full disk: the data folder is a 6 MB tmpfs mounted in a private mount namespace (`unshare --user
 * --map-root-user --mount`, so no privileges are needed and the mount vanishes with the process), filled up to a
 * few hundred KB; then the `lathe` CLI runs against it as a user would.
 */
const canMount = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d"'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!canMount)('a full disk (tmpfs in a private mount namespace)', () => {
  it('an import says the disk is full and where, keeps what was saved, gives the log space back; doctor names it and leaves no probe file', () => {
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const small = path.join(dir, 'small.jsonl');
    const big = path.join(dir, 'big.jsonl');
    const row = (i: number) => JSON.stringify({ prompt: `Question ${i} about feeder ${i % 97}?`, completion: 'A long answer about the maintenance procedure. '.repeat(4) }) + '\n';
    fs.writeFileSync(small, Array.from({ length: 20 }, (_, i) => row(i)).join(''));
    fs.writeFileSync(big, Array.from({ length: 20_000 }, (_, i) => row(i)).join(''));
    const lathe = `${path.resolve('node_modules/.bin/tsx')} ${path.resolve('src/cli/main.ts')}`;
    const script = `
      set -u
      mkdir -p ${data} && mount -t tmpfs -o size=6m tmpfs ${data}
      ${lathe} import ${small} --name grid --data-dir ${data} >/dev/null 2>&1; echo "small=$?"
      dd if=/dev/zero of=${data}/filler bs=64k 2>/dev/null; truncate -s -256K ${data}/filler
      ${lathe} import ${big} --name big --data-dir ${data} 2>&1; echo "big=$?"
      echo "wal=$(stat -c %s ${data}/lathe.db-wal 2>/dev/null || echo 0)"
      dd if=/dev/zero of=${data}/filler2 bs=4k 2>/dev/null
      ${lathe} doctor --data-dir ${data} 2>&1 | grep -A1 'Data folder'
      echo "probes=$(ls -a ${data} | grep -c lathe-write-test)"
      rm ${data}/filler ${data}/filler2
      ${lathe} audit verify --data-dir ${data} 2>&1; echo "verify=$?"
      ${lathe} dataset stats grid --data-dir ${data} 2>&1 | head -1`;
    const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'bash', '-c', script], { encoding: 'utf8', cwd: path.resolve('.'), timeout: 240_000 });
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/small=0/);
    expect(out).toMatch(new RegExp(`The disk holding ${data.replace(/[/.]/g, '\\$&')} is full \\(\\d+ KB free\\); the last operation was not saved`));
    expect(out).toMatch(/Everything saved before is intact/);
    expect(out).not.toMatch(/bug in Lathe/);
    expect(out).toMatch(/big=1/);
    expect(Number(/wal=(\d+)/.exec(out)?.[1])).toBeLessThan(256 * 1024); // the failed transaction's log was given back
    expect(out).toMatch(/The disk holding it is full/);
    expect(out).toMatch(/probes=0/);
    expect(out).toMatch(/Audit log intact: \d+ entries, hash chain verified\. The newest entry #\d+ matches audit-witness\.json\./);
    expect(out).toMatch(/verify=0/);
    expect(out).toMatch(/^20 examples/m);
  }, 300_000);
});
