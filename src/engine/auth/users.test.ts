import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { AuditLog } from '../audit/audit-log.js';
import { openDatabase } from '../db/connection.js';
import { hashPassword, oneTimePassword, verifyPassword } from './passwords.js';
import { UserDirectory } from './users.js';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashes (scrypt)', () => {
  it('stores the parameters and a per-password salt; verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery', CHEAP);
    const b = await hashPassword('correct horse battery', CHEAP);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b); // salted
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterz', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
    // Default cost, and the stored parameters (not today's defaults) decide the verification.
    const strong = await hashPassword('correct horse battery');
    expect(strong).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', strong)).toBe(true);
  });

  it('a malformed or hostile stored hash is a mismatch, never a throw or a huge allocation', async () => {
    for (const bad of ['', 'plain', 'scrypt$1$1$1$aa$bb', 'scrypt$1073741824$8$1$AAAA$' + 'A'.repeat(43), 'bcrypt$10$8$1$a$b', 'scrypt$x$8$1$a$b']) {
      expect(await verifyPassword('anything long enough', bad), bad).toBe(false);
    }
  });

  it('one-time passwords are long and random', () => {
    const a = oneTimePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(oneTimePassword()).not.toBe(a);
  });
});

describe('the user directory', () => {
  it('never reuses an id, keeps names unique regardless of case (disabled users too), audits each change', async () => {
    const { db } = openDatabase(tempDir());
    const audit = new AuditLog(db);
    const users = new UserDirectory(db, audit, { scrypt: CHEAP });
    const ada = await users.add('ada', 'curator', 'correct horse battery', 'op');
    users.disable('ada', 'op');
    await expect(users.add('ADA', 'viewer', 'correct horse battery', 'op')).rejects.toMatchObject({ code: 'CONFLICT' });
    // Even if a row were removed by hand, AUTOINCREMENT hands out a new id.
    db.prepare('DELETE FROM users WHERE id = ?').run(ada.id);
    const bob = await users.add('bob', 'viewer', 'correct horse battery', 'op');
    expect(bob.id).toBe(ada.id + 1);
    await expect(users.add('eve', 'superuser', 'correct horse battery', 'op')).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', hint: expect.stringMatching(/viewer, labeller/) });
    await expect(users.add('eve', 'viewer', 'short', 'op')).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    await expect(users.add('eve smith', 'viewer', 'correct horse battery', 'op')).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    users.setRole('bob', 'trainer', 'op');
    await users.resetPassword('bob', 'another good passphrase', 'op');
    const actions = audit.list(10, undefined).entries.map((e) => `${e.actor} ${e.action} ${JSON.stringify(e.details)}`).reverse();
    expect(actions).toEqual([
      'op user.add {"name":"ada","role":"curator"}',
      'op user.disable {"name":"ada","sessionsEnded":0}',
      'op user.add {"name":"bob","role":"viewer"}',
      'op user.role {"from":"viewer","name":"bob","to":"trainer"}',
      'op user.password_reset {"name":"bob","sessionsEnded":0}',
    ]);
    expect(JSON.stringify(audit.list(10, undefined))).not.toMatch(/passphrase|horse/);
    expect(audit.verify().ok).toBe(true);
    db.close();
  });
});
