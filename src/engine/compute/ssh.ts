import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { LatheError } from '../../shared/contract/errors.js';
import type { SshTarget } from '../../shared/contract/features/targets.js';

/**
 * OpenSSH and rsync as Lathe uses them: the user's own client, keys and agent (BatchMode: a missing key fails at once
 * instead of asking for a password nobody can type), keep-alives so a dead link is noticed within seconds, and every
 * word of a remote command single-quoted, so no value (a path, a run name) is ever read by the remote shell.
 */

/** One word for a POSIX shell: single-quoted, with any single quote closed, escaped and reopened. */
export function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A remote command line from words, each quoted. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/** ssh's options for a target (no command): keys, keep-alives, the target's allowed -o options. */
export function sshOptions(t: SshTarget): string[] {
  const args = ['-p', String(t.port), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=15', '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3'];
  if (t.identityFile) args.push('-i', t.identityFile, '-o', 'IdentitiesOnly=yes');
  for (const o of t.sshOptions) args.push('-o', o);
  return args;
}

export function sshDestination(t: SshTarget): string {
  return `${t.user}@${t.host}`;
}

/** `ssh … user@host -- <words quoted>`: the remote shell gets one line whose every word is quoted. */
export function spawnSsh(t: SshTarget, words: readonly string[], opts: { stdin?: boolean } = {}): ChildProcessByStdio<Writable | null, Readable, Readable> {
  return spawn('ssh', [...sshOptions(t), sshDestination(t), '--', shellLine(words)], {
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
}

export interface SshResult { code: number | null; stdout: string; stderr: string }

/** A failed ssh call as the error the user reads: connection (exit 255) or the remote command. */
export function sshFailure(t: SshTarget, r: SshResult, what: string): LatheError {
  const said = r.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  if (r.code === 255 || r.code === null) {
    return new LatheError('TARGET_UNREACHABLE', `Could not reach ${sshDestination(t)} on port ${t.port} to ${what}${said ? `: ${said}` : '.'}`,
      'Check that the host is up and that `ssh` to it works without a password from this machine (your key in ~/.ssh or the agent, the host in known_hosts).');
  }
  return new LatheError('TARGET_FAILED', `On ${t.host}, ${what} failed (exit ${r.code})${said ? `: ${said}` : '.'}`, 'Run `lathe targets test` for the target; the message above is what the target said.');
}

/**
 * rsync's transport to the target: its ssh with the target's options. rsync splits -e on spaces and honours single
 * quotes (no backslashes), so a word with anything unusual (a key file in a folder with a space) is single-quoted; the
 * target's schema refuses a single quote in the one free-form value, the key file's path.
 */
export function rsyncTransport(t: SshTarget): string[] {
  return ['-e', ['ssh', ...sshOptions(t)].map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w}'`)).join(' ')];
}

export function remoteSpec(t: SshTarget, remotePath: string): string {
  return `${sshDestination(t)}:${remotePath}`;
}
