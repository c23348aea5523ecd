import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { TrainerChannel, TrainerFailure } from '../training/trainer-process.js';
import { shellRun } from './host-shell.js';
import { whileStaging } from './staging-lock.js';
import { installTrainer, modelHashCache, pullFolder, pushFolder, remoteLayout, remotePython, type WorkHost } from './remote-files.js';

/**
 * How a trainer starts and stops on one kind of target: detached over SSH (`ssh-launcher.ts`) or as a Slurm batch
 * job (`slurm-launcher.ts`). Both run `lathe_trainer.remote` there, so the lines, the exit status and the files
 * are the same; only launching, signalling and the scheduler's view differ.
 */
export interface TrainerLauncher {
  /** Starts the trainer in `remoteRun` with these arguments (the target's paths) for this run.json; what to record about it. */
  launch(remoteRun: string, trainerArgs: string[], config: Record<string, unknown>): Promise<{ message: string; data: Record<string, unknown> }>;
  /** TERM: checkpoint, then exit; KILL: now. Throws with what went wrong. */
  signal(remoteRun: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /**
   * Asked every few seconds while the trainer is followed (a scheduler's view): `waiting` while it has not started
   * (shown as progress), `note` when its state changed, `ended` when it is gone without the trainer saying how.
   */
  watch?(): Promise<{ waiting?: string; note?: { kind: string; message: string; data: Record<string, unknown> }; ended?: TrainerFailure }>;
}

export interface RemoteRunPlan {
  host: WorkHost;
  launcher: TrainerLauncher;
  targetName: string;
  runId: string;
  localRunDir: string;
  localModelDir: string;
  /** The trainer's arguments with this machine's paths (`train --config <run>/run.json [--resume <checkpoint>]`). */
  trainerArgs: string[];
  /** The run's config as written here (run.json); its paths are rewritten for the target. */
  config: Record<string, unknown>;
  /** How long a lost connection is retried before the run counts as interrupted. */
  reconnectForS: number;
  /** Something that happened on the way (staged, launched, connection lost, reattached, fetched), for the run's events. */
  note: (kind: string, message: string, data: Record<string, unknown>) => void;
  /** Seconds between the launcher's watch calls (tests shorten it). */
  watchEveryS?: number;
  /**
   * Follow a trainer an engine that died was following (its follow state, `readFollowState`): no staging or launch,
   * the lines from the byte that engine had recorded.
   */
  reattach?: FollowState;
}

/**
 * Where following stands, kept in the run's folder here (`.remote-follow.json`) as lines arrive, so an engine that
 * restarts goes on from there: the run's folder on the target, the bytes of lines already read, and what the launcher
 * needs to find the trainer again (Slurm's job id).
 */
export interface FollowState { remoteRun: string; offset: number; stderrOffset: number; launched: Record<string, unknown> }
const FOLLOW_FILE = '.remote-follow.json';

export function readFollowState(localRunDir: string): FollowState | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(localRunDir, FOLLOW_FILE), 'utf8')) as FollowState;
  } catch {
    return null;
  }
}

const EXIT_MARKER = 'LATHE_REMOTE_EXIT ';
/** Protocol lines whose rows are not keyed by step: each must be read once, even across a restart of the engine. */
const RECORDED_ONCE = /^\{"v":\s*1,\s*"type":\s*"(event|hello)"/;
const LOG_PREFIX = 'LATHE_LOG ';
type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * A run's trainer on a compute target, as a TrainerChannel: the same protocol lines and signals as a local trainer.
 *
 * 1. Stage: Lathe's trainer package, the base model and the run's folder go to the target and are verified by sha256
 *    on both sides; run.json is written there with the target's paths.
 * 2. Launch (the launcher): the trainer runs detached there, writing its lines to a file, so a dropped connection
 *    never kills it.
 * 3. Follow: `lathe_trainer.remote follow --offset N` streams its protocol lines; when the connection drops, another
 *    follow starts at the byte reached (no line lost or repeated) until `reconnectForS` runs out.
 * 4. Fetch: when it has ended, the run's folder (checkpoints, adapter or model, manifest) comes back and is verified
 *    before the engine reads the run's outcome, so registration hashes files that are known to be the target's.
 */
export function remoteTrainer(plan: RemoteRunPlan): TrainerChannel {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  type Closer = Parameters<TrainerChannel['onClose']>[0];
  const closers: Closer[] = [];
  let closed: Parameters<Closer> | null = null;
  const close = (...args: Parameters<Closer>) => {
    if (closed) return;
    closed = args;
    stdout.end();
    stderr.end();
    for (const cb of closers) cb(...args);
  };
  const t = plan.host;
  const host = t.shell.host;
  const remoteRun = remoteLayout.runDir(t, plan.runId);
  const remoteModel = remoteLayout.modelDir(t, plan.localModelDir);
  const toRemote = pathMapper([[plan.localRunDir, remoteRun], [path.resolve(plan.localModelDir), remoteModel]]);
  const toLocal = pathMapper([[remoteRun, plan.localRunDir], [remoteModel, path.resolve(plan.localModelDir)]]);
  let launched = false;
  let stopRequested: 'SIGTERM' | 'SIGKILL' | null = null;

  const say = (message: string) => stdout.write(`${JSON.stringify({ v: 1, type: 'progress', stage: 'staging', fraction: null, message })}\n`);
  const logLine = (text: string) => stderr.write(`[engine] ${text}\n`);

  /** Runs a slow step with a progress line every few seconds, so the job list moves and the watchdog knows it lives. */
  const step = async <T>(message: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    say(message);
    const tick = setInterval(() => say(`${message} (${Math.round((Date.now() - started) / 1000)} s)`), 5000);
    try {
      return await work();
    } finally {
      clearInterval(tick);
    }
  };

  const stage = async () => {
    const trainerFiles = await step(`Installing Lathe's trainer on ${host}…`, () => installTrainer(t));
    // Two runs on one target may share a base model: one copy at a time into its staged folder (the second finds it
    // copied and its hashes kept, so it only checks).
    const modelFiles = await step(`Copying the base model to ${host} and checking it…`, () => whileStaging(t, remoteModel,
      () => pushFolder(t, plan.localModelDir, remoteModel, 'the base model', [], { hashCache: modelHashCache(plan.localModelDir, remoteModel) })));
    const runFiles = await step(`Copying the run's data to ${host} and checking it…`, () => pushFolder(t, plan.localRunDir, remoteRun, "the run's data", ['run.json', '.lathe', FOLLOW_FILE, `${FOLLOW_FILE}.tmp`], { mirror: false }));
    const remoteConfig = `${JSON.stringify(toRemote(plan.config), null, 2)}\n`;
    const written = await shellRun(t.shell, ['sh', '-c', 'cat > "$1"', 'sh', path.posix.join(remoteRun, 'run.json')], { input: remoteConfig });
    if (written.code !== 0) throw t.shell.failure(written, 'write run.json');
    plan.note('staged', `Copied to ${host} and verified by sha256: the base model (${modelFiles} files; a file unchanged on both sides since its last copy keeps its recorded hash), the run's data (${runFiles} files) and Lathe's trainer (${trainerFiles} files).`, { target: plan.targetName, host, remoteDir: remoteRun, remoteModelDir: remoteModel, modelFiles, runFiles, trainerFiles });
  };

  let offset = plan.reattach?.offset ?? 0;
  let stderrOffset = plan.reattach?.stderrOffset ?? 0;
  let launchedData: Record<string, unknown> = plan.reattach?.launched ?? {};
  let savedAt = 0;
  /** Writes the follow state (at most four times a second while lines stream; `force` after a launch and at the end). */
  const saveFollowState = (force = false) => {
    if (!force && Date.now() - savedAt < 250) return;
    savedAt = Date.now();
    const state: FollowState = { remoteRun, offset, stderrOffset, launched: launchedData };
    try {
      fs.writeFileSync(path.join(plan.localRunDir, `${FOLLOW_FILE}.tmp`), JSON.stringify(state));
      fs.renameSync(path.join(plan.localRunDir, `${FOLLOW_FILE}.tmp`), path.join(plan.localRunDir, FOLLOW_FILE));
    } catch {
      // The run's folder is gone or the disk is full: following goes on; only a restart would repeat some lines.
    }
  };
  let follower: ReturnType<WorkHost['shell']['spawn']> | null = null;
  /** One follow over one connection: resolves with the trainer's exit, or null when the connection ended first. */
  const followOnce = () => new Promise<Exit | null>((resolve) => {
    const child = t.shell.spawn(remotePython(t, 'lathe_trainer.remote', ['follow', '--dir', remoteRun, '--offset', String(offset), '--stderr-offset', String(stderrOffset)]));
    follower = child;
    let exit: Exit | null = null;
    const shellSaid: string[] = [];
    wholeLines(child.stdout, (line, bytes) => {
      offset += bytes;
      // The run's reader records the line before write returns (a PassThrough into readline, then SQLite).
      stdout.write(`${mapLine(line, toLocal)}\n`);
      noteEnvironment(line);
      // Metrics, checkpoints and progress are kept by step, so reading them again after a restart changes nothing;
      // an event or the hello would be recorded twice: the offset past one is saved at once.
      saveFollowState(RECORDED_ONCE.test(line));
    });
    wholeLines(child.stderr, (line, bytes) => {
      if (line.startsWith(EXIT_MARKER)) exit = JSON.parse(line.slice(EXIT_MARKER.length)) as Exit;
      // The trainer's log lines come prefixed; anything else is the connection's own (a failing link, a refused key).
      else if (line.startsWith(LOG_PREFIX)) {
        stderrOffset += bytes - Buffer.byteLength(LOG_PREFIX);
        stderr.write(`${line.slice(LOG_PREFIX.length)}\n`);
      } else if (line.trim()) shellSaid.push(line);
    });
    child.on('error', (err) => shellSaid.push(err.message));
    child.on('close', () => {
      follower = null;
      if (!exit && shellSaid.length) logLine(`${host}: ${shellSaid.slice(-2).join(' | ')}`);
      resolve(exit);
    });
  });

  /** The trainer's hello there, as the run's record of the environment it trained in (versions and device). */
  const noteEnvironment = (line: string) => {
    if (!line.includes('"type":"hello"')) return;
    try {
      const hello = JSON.parse(line) as { versions?: Record<string, string | null>; device?: { kind?: string; name?: string } };
      const v = hello.versions ?? {};
      const versions = ['python', 'torch', 'transformers', 'peft'].filter((k) => v[k]).map((k) => `${k} ${v[k]}`).join(', ');
      const d = hello.device ?? {};
      const device = d.kind === 'cpu' ? `CPU (${d.name ?? '?'})` : (d.name ?? d.kind ?? '?');
      plan.note('environment', `On ${host}: ${versions || 'versions not reported'}; device ${device}.`, { host, versions: v, device: hello.device ?? null });
    } catch {
      // not the hello line after all
    }
  };

  /** Set by the watch when the scheduler says the job is gone and the trainer never said how it ended. */
  let endedElsewhere: TrainerFailure | null = null;
  const follow = async (): Promise<Exit | TrainerFailure> => {
    let lostAt: number | null = null;
    for (let attempt = 0; ; attempt += 1) {
      const exit = await followOnce();
      if (exit) return exit;
      if (endedElsewhere) return endedElsewhere;
      if (lostAt === null) {
        lostAt = Date.now();
        plan.note('connection_lost', `Lost the connection to ${host}; the trainer goes on there. Reconnecting…`, { host, offset });
      } else if (Date.now() - lostAt > plan.reconnectForS * 1000) {
        return { code: 'connection_lost', resumable: true, message: `Lost the connection to ${host} for more than ${plan.reconnectForS} s while the trainer ran there.`, hint: `The trainer may still be running in ${remoteRun} on ${host}. When ${host} is reachable again, resume the run from its latest checkpoint.` };
      }
      say(`Lost the connection to ${host}; reconnecting (attempt ${attempt + 1})…`);
      await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** Math.min(attempt, 4))));
      const probe = await shellRun(t.shell, ['true'], { timeoutMs: 20_000 });
      if (probe.code === 0 && lostAt) {
        plan.note('reattached', `Reconnected to ${host} after ${Math.round((Date.now() - lostAt) / 1000)} s; following the trainer from where the connection dropped.`, { host, offset });
        lostAt = null;
      }
    }
  };

  /** The launcher's view while the trainer is followed: waiting in a queue, state changes, a job gone without a word. */
  const startWatching = () => {
    if (!plan.launcher.watch) return () => {};
    let busy = false;
    let endedSince: number | null = null;
    const timer = setInterval(() => {
      if (busy || closed) return;
      busy = true;
      void plan.launcher.watch!().then((w) => {
        if (w.waiting) say(w.waiting);
        if (w.note) plan.note(w.note.kind, w.note.message, w.note.data);
        if (!w.ended) return;
        // The trainer's exit status may still be on its way (the follower polls the file): give it a moment.
        endedSince ??= Date.now();
        if (Date.now() - endedSince < 10_000) return;
        endedElsewhere = w.ended;
        follower?.kill('SIGKILL');
      }).catch((err: unknown) => logLine(`could not ask the scheduler: ${(err as Error).message}`)).finally(() => (busy = false));
    }, (plan.watchEveryS ?? 5) * 1000);
    return () => clearInterval(timer);
  };

  /**
   * The trainer said how it ended, but the scheduler may have been the cause (an administrator's scancel, a time
   * limit's TERM): once the job has left the queue, that goes into the run's events.
   */
  const noteSchedulerEnd = async () => {
    if (!plan.launcher.watch) return;
    for (let i = 0; i < 20; i += 1) {
      const w = await plan.launcher.watch().catch(() => null);
      if (!w) return;
      if (w.ended) {
        if (w.ended.code !== 'slurm_job_completed') plan.note('scheduler', w.ended.message, { code: w.ended.code });
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  const fetchBack = async (): Promise<TrainerFailure | null> => {
    try {
      const files = await step(`Copying the run's output back from ${host} and checking it…`, () => pullFolder(t, remoteRun, plan.localRunDir, "the run's output", ['data', 'run.json', '.lathe']));
      plan.note('fetched', `Copied the run's output back from ${host} and verified it by sha256 (${files} files).`, { host, files });
      return null;
    } catch (err) {
      const e = err as TrainerFailure;
      return { code: 'transfer_failed', message: `The trainer ended on ${host}, but its output could not be copied back: ${e.message}`, hint: `The files are still in ${remoteRun} on ${host}. ${e.hint ?? ''}`.trim() };
    }
  };

  const sendSignal = (signal: 'SIGTERM' | 'SIGKILL') =>
    plan.launcher.signal(remoteRun, signal).catch((err: unknown) => logLine(`could not send ${signal} to the trainer on ${host}: ${(err as Error).message}`));

  void (async () => {
    try {
      if (plan.reattach) {
        launched = true;
        plan.note('reattached', `Lathe restarted while this run trained on ${host}; following its trainer again from where the last engine stopped reading.`, { host, offset });
      } else await startThere();
    } catch (err) {
      const e = err as TrainerFailure;
      close(null, null, { code: e.code === 'TARGET_UNREACHABLE' ? 'target_unreachable' : 'staging_failed', message: e.message, hint: e.hint ?? '' });
      return;
    }
    if (closed) return;
    const stopWatching = startWatching();
    const exit = await follow();
    stopWatching();
    saveFollowState(true);
    if (!('message' in exit) && !stopRequested) await noteSchedulerEnd();
    if ('message' in exit && exit.code === 'connection_lost') {
      close(null, null, exit);
      return;
    }
    if ('message' in exit && stopRequested === 'SIGTERM') {
      // Stopped while the scheduler still held it (a queued job is cancelled, not signalled): a stop, not a failure.
      stdout.write(`${JSON.stringify({ v: 1, type: 'error', code: 'cancelled', message: `Stopped before it started on ${host}.`, hint: 'Resume or retry it when you are ready.' })}\n`);
      close(130, null);
      return;
    }
    // However it ended there (a scheduler's time limit too), what the trainer wrote — checkpoints above all — comes back.
    const failure = await fetchBack();
    if ('message' in exit) close(null, null, exit);
    else close(exit.code, exit.signal, failure ?? undefined);
  })();

  /** Stage, then launch (unless a stop came first, which ends the run as stopped). */
  async function startThere(): Promise<void> {
    await stage();
    if (stopRequested) {
      stdout.write(`${JSON.stringify({ v: 1, type: 'error', code: 'cancelled', message: 'Stopped before training started on the target.', hint: 'Resume or retry it when you are ready.' })}\n`);
      close(130, null);
      return;
    }
    offset = 0;
    stderrOffset = 0;
    const started = await plan.launcher.launch(remoteRun, toRemote(plan.trainerArgs) as string[], plan.config);
    launched = true;
    launchedData = started.data;
    saveFollowState(true);
    plan.note('launched', started.message, { target: plan.targetName, host, remoteDir: remoteRun, ...started.data });
    if (stopRequested) void sendSignal(stopRequested);
  }

  return {
    pid: null,
    stdout,
    stderr,
    signal: (signal) => {
      stopRequested = signal;
      if (launched && !closed) void sendSignal(signal);
    },
    onClose: (cb) => {
      if (closed) cb(...closed);
      else closers.push(cb);
    },
  };
}

/** Calls `onLine` for every whole line (a line cut by a dropped connection is never delivered), with its byte length + 1. */
function wholeLines(stream: NodeJS.ReadableStream, onLine: (line: string, bytes: number) => void): void {
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    let nl: number;
    while ((nl = pending.indexOf(10)) >= 0) {
      const line = pending.subarray(0, nl);
      pending = pending.subarray(nl + 1);
      onLine(line.toString('utf8'), nl + 1);
    }
  });
}

/** Rewrites every string value that starts with one of the prefixes (a folder here ↔ its copy on the target). */
export function pathMapper(pairs: Array<[string, string]>): (value: unknown) => unknown {
  const map = (value: unknown): unknown => {
    if (typeof value === 'string') {
      for (const [from, to] of pairs) if (value === from || value.startsWith(`${from}/`)) return to + value.slice(from.length);
      return value;
    }
    if (Array.isArray(value)) return value.map(map);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, map(v)]));
    return value;
  };
  return map;
}

function mapLine(line: string, map: (v: unknown) => unknown): string {
  try {
    return JSON.stringify(map(JSON.parse(line)));
  } catch {
    return line; // not JSON: the protocol check names it as a breach
  }
}
