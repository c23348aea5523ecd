import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { AuditLog } from '../../engine/audit/audit-log.js';
import { verifyPassword } from '../../engine/auth/passwords.js';
import { openDatabase } from '../../engine/db/connection.js';
import { runLathe } from '../cli.js';

afterEach(() => vi.restoreAllMocks());

async function lathe(argv: string[]): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  try {
    expect(await runLathe(argv)).toBe(0);
    return out;
  } finally {
    vi.restoreAllMocks();
  }
}

/** The real binary, with text on stdin. */
function latheWithStdin(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), ...args], { env: { ...process.env, LATHE_ACTOR: 'operator' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('lathe users', () => {
  it('add prints a one-time password; list, set-role, disable and reset-password work and are audited', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const d = ['--data-dir', dataDir];
    vi.stubEnv('LATHE_ACTOR', 'operator');
    const added = await lathe(['users', 'add', 'ada', '--role', 'admin', ...d]);
    expect(added).toMatch(/^Added ada \(admin\), user id 1\.\nOne-time password: ([A-Za-z0-9_-]{20})\n/);
    const otp = /One-time password: (\S+)/.exec(added)![1]!;
    await lathe(['users', 'add', 'bob', '--role', 'labeller', ...d]);
    expect(await lathe(['users', 'set-role', 'bob', 'curator', ...d])).toBe('bob is now curator.\n');
    expect(await lathe(['users', 'disable', 'bob', ...d])).toMatch(/bob is disabled/);
    const list = await lathe(['users', 'list', ...d]);
    expect(list).toMatch(/ {3}1 {2}ada +admin +active \(one-time password\)\n/);
    expect(list).toMatch(/ {3}2 {2}bob +curator +disabled \d{4}-\d\d-\d\d/);
    const reset = await lathe(['users', 'reset-password', 'ada', ...d]);
    const otp2 = /One-time password: (\S+)/.exec(reset)![1]!;
    expect(otp2).not.toBe(otp);
    await expect(runLathe(['users', 'add', 'eve', '--role', 'root', ...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(runLathe(['users', 'remove', 'bob', ...d])).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: 'Unknown users command "remove".' });
    vi.unstubAllEnvs();

    const { db } = openDatabase(dataDir);
    const hash = db.prepare("SELECT password_hash FROM users WHERE name = 'ada'").pluck().get() as string;
    expect(await verifyPassword(otp2, hash)).toBe(true);
    expect(await verifyPassword(otp, hash)).toBe(false);
    const log = new AuditLog(db).list(20, undefined).entries.map((e) => `${e.actor} ${e.action}`).reverse();
    expect(log).toEqual(['operator user.add', 'operator user.add', 'operator user.role', 'operator user.disable', 'operator user.password_reset']);
    expect(new AuditLog(db).verify()).toMatchObject({ ok: true, witness: { status: 'matches' } });
    db.close();
  });

  it('--password-stdin reads the password from stdin (not one-time)', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const r = await latheWithStdin(['users', 'add', 'ada', '--role', 'viewer', '--password-stdin', '--data-dir', dataDir], 'a passphrase from a script\n');
    expect(r).toMatchObject({ code: 0, stdout: 'Added ada (viewer), user id 1.\n' });
    const short = await latheWithStdin(['users', 'add', 'bob', '--role', 'viewer', '--password-stdin', '--data-dir', dataDir], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 12 characters/);
    const { db } = openDatabase(dataDir);
    const row = db.prepare("SELECT password_hash, must_change_password FROM users WHERE name = 'ada'").get() as { password_hash: string; must_change_password: number };
    expect(row.must_change_password).toBe(0);
    expect(await verifyPassword('a passphrase from a script', row.password_hash)).toBe(true);
    db.close();
  });
});
