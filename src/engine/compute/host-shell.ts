import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { LatheError } from '../../shared/contract/errors.js';
import type { SshTarget } from '../../shared/contract/features/targets.js';
import { remoteSpec, rsyncTransport, spawnSsh, sshFailure, type SshResult } from './ssh.js';

/**
 * Where a compute target's commands run: over SSH on the target (or its Slurm login node), or on this machine (a
 * Slurm cluster whose commands and shared filesystem this machine has). Staging, launching and following a trainer
 * are written once against this, so an SSH server and a Slurm cluster differ only in how a job starts and stops.
 */
export interface HostShell {
  /** For messages: the host's name, or "this machine". */
  readonly host: string;
  /** The command's words (never read by a shell unquoted) as a child process. */
  spawn(words: readonly string[], opts?: { stdin?: boolean }): ChildProcessByStdio<Writable | null, Readable, Readable>;
  /** rsync's options to reach the host (`-e ssh …`), none for this machine. */
  readonly rsyncOptions: string[];
  /** A path there as rsync names it. */
  rsyncPath(path: string): string;
  /** The error a failed command becomes: unreachable (ssh's 255) or failed. */
  failure(result: SshResult, what: string): LatheError;
}

export function sshShell(t: SshTarget): HostShell {
  return {
    host: t.host,
    spawn: (words, opts) => spawnSsh(t, words, opts),
    rsyncOptions: rsyncTransport(t),
    rsyncPath: (p) => remoteSpec(t, p),
    failure: (r, what) => sshFailure(t, r, what),
  };
}

/** Commands on this machine (a Slurm cluster reached locally); `env` adds variables such as SLURM_CONF. */
export function localShell(env: Record<string, string> = {}): HostShell {
  return {
    host: 'this machine',
    spawn: (words, opts) => spawn(words[0]!, words.slice(1), { env: { ...process.env, ...env }, stdio: [opts?.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] }) as ChildProcessByStdio<Writable | null, Readable, Readable>,
    rsyncOptions: [],
    rsyncPath: (p) => p,
    failure: (r, what) => {
      const said = r.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
      return new LatheError('TARGET_FAILED', `On this machine, ${what} failed (exit ${r.code})${said ? `: ${said}` : '.'}`, 'Run `lathe targets test` for the target; the message above is what the command said.');
    },
  };
}

/** Runs one command to its end (stdin from `input` when given). */
export function shellRun(shell: HostShell, words: readonly string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<SshResult> {
  return collect(shell.spawn(words, { stdin: opts.input !== undefined }), opts);
}

/** Like shellRun, but a non-zero exit is the shell's LatheError (unreachable, or what the command said). */
export async function shellCheck(shell: HostShell, words: readonly string[], what: string, opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<string> {
  const r = await shellRun(shell, words, opts);
  if (r.code === 0) return r.stdout;
  throw shell.failure(r, what);
}

/** rsync -a between this machine and the shell's host. */
export function shellRsync(shell: HostShell, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<SshResult> {
  return collect(spawn('rsync', ['-a', '--protect-args', ...shell.rsyncOptions, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>, opts);
}

function collect(child: ChildProcessByStdio<Writable | null, Readable, Readable>, opts: { input?: string | Buffer; timeoutMs?: number }): Promise<SshResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      resolve({ code: 255, stdout, stderr: `${stderr}\n${err.message}` });
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
