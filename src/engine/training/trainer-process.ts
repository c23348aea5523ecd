import readline from 'node:readline';
import { spawnTrainer, type TrainerEvent } from './trainer-command.js';
import { readTrainerLines } from './trainer-line.js';

const STDERR_TAIL = 40;

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the watchdog killed a trainer that went silent. */
  hungAfterS: number | null;
  /** True when heartbeats still came but reported no progress (a deadlock rather than a frozen process). */
  aliveButStuck: boolean;
  stderrTail: string;
}

export interface TrainerProcessOptions {
  dataDir: string;
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
  private readonly child: ReturnType<typeof spawnTrainer>;
  private lastSeen = Date.now();
  /** No line yet: Python is still importing torch, which no heartbeat covers (a loaded machine takes 30 s and more). */
  private silentSinceStart = true;
  private hungAfterS: number | null = null;
  /** The last line was a heartbeat reporting no progress: alive but stuck, rather than frozen. */
  private stuckWhileAlive = false;
  private readonly watchdog: NodeJS.Timeout;
  private exited = false;

  constructor(args: string[], private readonly opts: TrainerProcessOptions) {
    this.child = spawnTrainer(args, { dataDir: opts.dataDir, detached: true });
    this.pid = this.child.pid ?? null;
    const tail: string[] = [];
    readline.createInterface({ input: this.child.stderr }).on('line', (l) => {
      tail.push(l);
      if (tail.length > STDERR_TAIL) tail.shift();
    });
    readTrainerLines(this.child.stdout, (e) => {
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
    this.child.on('error', (err) => tail.push(`could not start the trainer: ${err.message}`));
    this.child.on('close', (code, signal) => {
      this.exited = true;
      clearInterval(this.watchdog);
      // Whatever the trainer started dies with it (no-op when the group is already gone).
      this.signalGroup('SIGKILL');
      opts.onExit({ code, signal, hungAfterS: this.hungAfterS, aliveButStuck: this.hungAfterS !== null && this.stuckWhileAlive, stderrTail: tail.join('\n') });
    });
  }

  /** SIGTERM: the trainer checkpoints at the last completed step, then exits. */
  stop(): void {
    this.signalGroup('SIGTERM');
  }

  kill(): void {
    this.signalGroup('SIGKILL');
  }

  get running(): boolean {
    return !this.exited;
  }

  whenExited(): Promise<void> {
    return this.exited ? Promise.resolve() : new Promise((r) => this.child.once('close', () => r()));
  }

  private check(): void {
    const silentS = (Date.now() - this.lastSeen) / 1000;
    const limitS = this.silentSinceStart ? Math.max(this.opts.hangTimeoutS, STARTUP_GRACE_S) : this.opts.hangTimeoutS;
    if (this.exited || this.hungAfterS !== null || silentS < limitS) return;
    this.hungAfterS = Math.round(silentS);
    // SIGKILL: a hung or SIGSTOPped process cannot run its SIGTERM handler.
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (!this.pid) return;
    try {
      process.kill(process.platform === 'win32' ? this.pid : -this.pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
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
