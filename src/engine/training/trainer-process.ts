import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { spawnTrainer, type TrainerEvent } from './trainer-command.js';
import { readTrainerLines } from './trainer-line.js';

/** A trainer that could not start, ran elsewhere but its output did not come back verified, or was lost there. */
export interface TrainerFailure {
  code: string;
  message: string;
  hint: string;
  /** The run can go on from its latest checkpoint (a lost connection, a scheduler's time limit): interrupted, not failed. */
  resumable?: boolean;
}

/**
 * Where a trainer's lines come from and where its signals go: a child process here (`localTrainer`), or a trainer
 * on a compute target followed over SSH (compute/ssh-trainer.ts). The watchdog and the protocol are the same.
 */
export interface TrainerChannel {
  /** This machine's process id, for a local trainer; null for one elsewhere. */
  readonly pid: number | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** TERM: checkpoint, then exit; KILL: now. Reaches every process the trainer started. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** Once, when the trainer has ended and its output is here (`failure`: it ran, but its files could not be fetched). */
  onClose(cb: (code: number | null, signal: NodeJS.Signals | null, failure?: TrainerFailure) => void): void;
}

/** A trainer as a child process of this engine, in its own process group. */
export function localTrainer(args: string[], dataDir: string): TrainerChannel {
  const child = spawnTrainer(args, { dataDir, detached: true });
  const pid = child.pid ?? null;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (!pid) return;
    try {
      process.kill(process.platform === 'win32' ? pid : -pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  };
  const errors: string[] = [];
  child.on('error', (err) => errors.push(`could not start the trainer: ${err.message}`));
  return {
    pid, stdout: child.stdout, stderr: child.stderr,
    signal: signalGroup,
    onClose: (cb) => child.on('close', (code, signal) => {
      // Whatever the trainer started dies with it (no-op when the group is already gone).
      signalGroup('SIGKILL');
      cb(code, signal, errors.length ? { code: 'spawn_failed', message: errors.join('; '), hint: 'Run `lathe doctor` to check the Python environment.' } : undefined);
    }),
  };
}

const STDERR_TAIL = 40;

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the watchdog killed a trainer that went silent. */
  hungAfterS: number | null;
  /** True when heartbeats still came but reported no progress (a deadlock rather than a frozen process). */
  aliveButStuck: boolean;
  stderrTail: string;
  /** The trainer ran elsewhere, but its output could not be brought back and verified (or the connection stayed lost). */
  failure?: TrainerFailure;
}

export interface TrainerProcessOptions {
  /** Seconds without any protocol line (metrics, progress, heartbeat…) before the trainer counts as hung. */
  hangTimeoutS: number;
  onEvent: (e: TrainerEvent) => void;
  onExit: (exit: TrainerExit) => void;
}

/** Until its first line, a trainer gets at least this long: the imports before any heartbeat can start. */
const STARTUP_GRACE_S = 180;

/**
 * One trainer process in its own process group, so a stop, a hang kill or a crash clean-up reaches everything
 * it started (torchrun workers, data-loader workers) and nothing is left orphaned. A watchdog kills the group
 * when no JSON line arrived for `hangTimeoutS`: the trainer prints a heartbeat every few seconds even while it
 * loads a model, so silence means a deadlock, a stopped process or a wedged driver.
 */
export class TrainerProcess {
  readonly pid: number | null;
  private lastSeen = Date.now();
  /** No line yet: Python is still importing torch, which no heartbeat covers (a loaded machine takes 30 s and more). */
  private silentSinceStart = true;
  private hungAfterS: number | null = null;
  /** The last line was a heartbeat reporting no progress: alive but stuck, rather than frozen. */
  private stuckWhileAlive = false;
  private readonly watchdog: NodeJS.Timeout;
  private exited = false;
  private readonly exitedPromise: Promise<void>;

  constructor(private readonly channel: TrainerChannel, private readonly opts: TrainerProcessOptions) {
    this.pid = channel.pid;
    const tail: string[] = [];
    readline.createInterface({ input: channel.stderr }).on('line', (l) => {
      tail.push(l);
      if (tail.length > STDERR_TAIL) tail.shift();
    });
    readTrainerLines(channel.stdout, (e) => {
      // A heartbeat comes from a side thread; in the train and eval phases its idle_s (seconds since the main
      // thread last made progress) is what counts, so a deadlocked step is caught even while the process lives.
      // Setup, checkpoint and output phases (loading or writing large weights) may legitimately take long.
      this.silentSinceStart = false;
      const idle = e.type === 'heartbeat' && (e.phase === 'train' || e.phase === 'eval') ? e.idle_s : 0;
      this.lastSeen = Date.now() - idle * 1000;
      if (idle) this.stuckWhileAlive = true;
      else if (e.type !== 'heartbeat' || e.idle_s === 0) this.stuckWhileAlive = false;
      opts.onEvent(e);
    }, (breach) => {
      // Kept with the log the run shows: a trainer that drifted from the protocol is named, not half-obeyed.
      tail.push(`[engine] a trainer line outside the protocol was ignored: ${breach}`);
      if (tail.length > STDERR_TAIL) tail.shift();
    });
    const checkEveryMs = Math.max(200, Math.min(5000, (opts.hangTimeoutS * 1000) / 4));
    this.watchdog = setInterval(() => this.check(), checkEveryMs);
    this.watchdog.unref();
    this.exitedPromise = new Promise((resolve) => channel.onClose((code, signal, failure) => {
      this.exited = true;
      clearInterval(this.watchdog);
      if (failure) tail.push(`[engine] ${failure.message}`);
      opts.onExit({ code, signal, hungAfterS: this.hungAfterS, aliveButStuck: this.hungAfterS !== null && this.stuckWhileAlive, stderrTail: tail.join('\n'), failure });
      resolve();
    }));
  }

  /** SIGTERM: the trainer checkpoints at the last completed step, then exits. */
  stop(): void {
    this.channel.signal('SIGTERM');
  }

  kill(): void {
    this.channel.signal('SIGKILL');
  }

  get running(): boolean {
    return !this.exited;
  }

  whenExited(): Promise<void> {
    return this.exitedPromise;
  }

  private check(): void {
    const silentS = (Date.now() - this.lastSeen) / 1000;
    const limitS = this.silentSinceStart ? Math.max(this.opts.hangTimeoutS, STARTUP_GRACE_S) : this.opts.hangTimeoutS;
    if (this.exited || this.hungAfterS !== null || silentS < limitS) return;
    this.hungAfterS = Math.round(silentS);
    // SIGKILL: a hung or SIGSTOPped process cannot run its SIGTERM handler.
    this.channel.signal('SIGKILL');
  }
}

/** True while any process of the group led by `pid` exists. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
