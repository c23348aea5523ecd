import type { HostShell } from './host-shell.js';

/** Where a lock is taken: the target's shell and its Python (the lock needs nothing of Lathe's there). */
export interface LockHost { shell: HostShell; python: string }

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `work` while no other copy into `folder` on the target runs: two rsyncs into one folder delete each other's
 * temporary files, and each one's check sees the other's half-copied files. Within this engine the copies queue per
 * folder; across processes and machines (the desktop app and a `lathe train` in a terminal, two colleagues' Lathes
 * sharing a cluster's work folder) an exclusive flock on `<folder>.lathe-lock` there is held while `work` runs.
 */
export function whileStaging<T>(t: LockHost, folder: string, work: () => Promise<T>): Promise<T> {
  const key = `${t.shell.host}\0${folder}`;
  const before = queues.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(() => heldThere(t, `${folder}.lathe-lock`, work));
  const settled = mine.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => queues.get(key) === settled && queues.delete(key));
  return mine;
}

/**
 * The holder: a Python process there takes the flock, says "held", and keeps it until its stdin closes — when the
 * work ends here, or when this engine or its SSH connection dies (the lock never outlives its holder). A filesystem
 * without flock (some Lustre mounts) says "unlocked" and staging goes on as before, queued in this engine only.
 */
const HOLD = `import fcntl, os, sys
os.makedirs(os.path.dirname(sys.argv[1]) or ".", exist_ok=True)
f = open(sys.argv[1], "a")
try:
    fcntl.flock(f, fcntl.LOCK_EX)
    print("held", flush=True)
except OSError as e:
    print("unlocked " + str(e), flush=True)
sys.stdin.read()
`;

async function heldThere<T>(t: LockHost, lockFile: string, work: () => Promise<T>): Promise<T> {
  // One line (a login shell there may not take a newline inside quotes): the script as a Python string literal.
  const holder = t.shell.spawn([t.python, '-c', `exec(${JSON.stringify(HOLD)})`, lockFile], { stdin: true });
  const closed = new Promise<void>((resolve) => holder.on('close', () => resolve()));
  let stderr = '';
  holder.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const said = await new Promise<string | null>((resolve) => {
    let out = '';
    holder.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    holder.on('error', (err) => ((stderr += err.message), resolve(null)));
    void closed.then(() => resolve(null));
  });
  if (said === null) {
    const code = holder.exitCode;
    throw t.shell.failure({ code, stdout: '', stderr }, `starting ${t.python} to lock ${lockFile} while copying`);
  }
  try {
    return await work();
  } finally {
    holder.stdin?.end();
    const late = setTimeout(() => holder.kill('SIGTERM'), 10_000);
    await closed;
    clearTimeout(late);
  }
}
