import os from 'node:os';
import { LatheError } from '../../shared/contract/errors.js';
import { ROLES } from '../../shared/contract/roles.js';
import { AuditLog } from '../../engine/audit/audit-log.js';
import { oneTimePassword } from '../../engine/auth/passwords.js';
import { UserDirectory, type UserView } from '../../engine/auth/users.js';
import { requireSignIn, setRequireSignIn } from '../../engine/auth/desktop-sign-in.js';
import { openDatabase } from '../../engine/db/connection.js';
import { resolveDataDir } from '../../engine/paths.js';
import { parseFlags } from '../args.js';

const USAGE =
  `lathe users add NAME --role ROLE [--password-stdin] | list [--json] | disable NAME | reset-password NAME [--password-stdin] | set-role NAME ROLE | require-sign-in on|off|status  [--data-dir DIR]\n` +
  `Roles: ${ROLES.join(', ')}. Accounts of team mode (lathe serve --team, and the desktop app with require-sign-in on); users are disabled, never deleted.`;

/**
 * Team mode's accounts, managed by whoever can open the data folder (the operator): works on the database directly,
 * like `lathe audit`, and audits every change with the operator's OS user (LATHE_ACTOR overrides) as the actor.
 */
export async function usersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { 'data-dir': { type: 'string' }, role: { type: 'string' }, 'password-stdin': { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
  );
  const [verb, name, extra] = positionals;
  const verbs = ['add', 'list', 'disable', 'reset-password', 'set-role', 'require-sign-in'];
  if (!verb || !verbs.includes(verb)) throw new LatheError('INVALID_ARGUMENTS', `Unknown users command "${verb ?? ''}".`, `Usage: ${USAGE}`);
  if (verb !== 'list' && !name) throw new LatheError('INVALID_ARGUMENTS', `lathe users ${verb} needs a user name.`, `Usage: ${USAGE}`);
  const by = process.env.LATHE_ACTOR ?? os.userInfo().username;
  const { db } = openDatabase(resolveDataDir(values['data-dir']));
  try {
    const users = new UserDirectory(db, new AuditLog(db));
    switch (verb) {
      case 'list': {
        const all = users.list();
        if (values.json) process.stdout.write(JSON.stringify(all, null, 2) + '\n');
        else if (!all.length) process.stdout.write('No users yet. Add the first admin: lathe users add NAME --role admin\n');
        else for (const u of all) process.stdout.write(line(u) + '\n');
        return 0;
      }
      case 'add': {
        if (!values.role) throw new LatheError('INVALID_ARGUMENTS', 'Give the new user a role with --role.', `Roles: ${ROLES.join(', ')}.`);
        const { password, oneTime } = await passwordFor(values['password-stdin']);
        const u = await users.add(name!, values.role, password, by, { mustChange: oneTime });
        process.stdout.write(`Added ${u.name} (${u.role}), user id ${u.id}.\n`);
        if (oneTime) process.stdout.write(`One-time password: ${password}\nGive it to ${u.name} privately; Lathe asks for a new one at the first sign-in.\n`);
        return 0;
      }
      case 'disable': {
        const u = users.disable(name!, by);
        process.stdout.write(`${u.name} is disabled: they cannot sign in, and their open sessions have ended. Their id ${u.id} is never reused.\n`);
        return 0;
      }
      case 'reset-password': {
        const { password, oneTime } = await passwordFor(values['password-stdin']);
        const u = await users.resetPassword(name!, password, by);
        process.stdout.write(`New password set for ${u.name}; their sessions have ended and any lock is lifted.\n`);
        if (oneTime) process.stdout.write(`One-time password: ${password}\n`);
        process.stdout.write('They must choose a new password at the next sign-in.\n');
        return 0;
      }
      case 'require-sign-in': {
        if (!['on', 'off', 'status'].includes(name!)) throw new LatheError('INVALID_ARGUMENTS', `lathe users require-sign-in takes on, off or status, not "${name}".`, `Usage: ${USAGE}`);
        if (name !== 'status') setRequireSignIn(db, name === 'on', by);
        process.stdout.write(requireSignIn(db)
          ? 'The desktop app asks for a user name and password (these accounts) from its next start; each person works in their own name and role.\n'
          : 'The desktop app opens without signing in: everything it does is recorded as the OS user.\n');
        return 0;
      }
      case 'set-role': {
        const role = extra ?? values.role;
        if (!role) throw new LatheError('INVALID_ARGUMENTS', 'Give the role: lathe users set-role NAME ROLE.', `Roles: ${ROLES.join(', ')}.`);
        const u = users.setRole(name!, role, by);
        process.stdout.write(`${u.name} is now ${u.role}.\n`);
        return 0;
      }
    }
    return 2;
  } finally {
    db.close();
  }
}

function line(u: UserView): string {
  const state = u.disabledAt ? `disabled ${u.disabledAt.slice(0, 10)}` : u.lockedUntil && u.lockedUntil > new Date().toISOString() ? `locked until ${u.lockedUntil.slice(11, 16)} UTC` : 'active';
  return `${String(u.id).padStart(4)}  ${u.name.padEnd(20)} ${u.role.padEnd(9)} ${state}${u.mustChangePassword ? ' (one-time password)' : ''}`;
}

/** A generated one-time password, or the first line of stdin (`--password-stdin`, for scripts; not one-time). */
async function passwordFor(fromStdin: boolean | undefined): Promise<{ password: string; oneTime: boolean }> {
  if (!fromStdin) return { password: oneTimePassword(), oneTime: true };
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.from(c as Buffer));
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  return { password, oneTime: false };
}
