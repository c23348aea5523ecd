import { LatheError } from '../../shared/contract/errors.js';
import { slurmTargetSchema, sshTargetSchema, type ComputeTarget, type SlurmTarget, type SshTarget, type TargetTest } from '../../shared/contract/features/targets.js';
import type { ParsedArgsOf } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { runQueries } from '../db/queries/runs.js';
import { targetQueries, type TargetRow } from '../db/queries/targets.js';
import { expandHome } from '../paths.js';
import { requireDb } from '../require-db.js';
import { runTarget } from '../training/run-records.js';
import { localShell, shellCheck, shellRun, sshShell } from './host-shell.js';
import { installTrainer, remotePython, type WorkHost } from './remote-files.js';
import type { TrainerLauncher } from './remote-trainer.js';
import { slurmLauncher } from './slurm-launcher.js';
import { sshLauncher } from './ssh-launcher.js';

/** The slot (queue resource) of a run on a target; a Slurm target holds `maxRuns` runs at once (`capacity`). */
export const targetSlot = (name: string) => `target:${name}`;

type Saved = { kind: 'ssh'; ssh: SshTarget } | { kind: 'slurm'; slurm: SlurmTarget };

/** Where a run on a saved target runs: its work host (staging, following) and how its trainer starts and stops. */
export interface TargetPlace {
  address: string;
  host: WorkHost;
  /** `restored`: what an earlier launch recorded (a Slurm job id), to find a running trainer again. */
  launcher: (runId: string, restored?: Record<string, unknown>) => TrainerLauncher;
  /** Recorded with the run's started event and its audit entry. */
  data: Record<string, unknown>;
  /** How a run there spreads over machines: a Slurm job's nodes and GPUs per node (null: the target's trainer decides). */
  layout: { nodes: number; gpusPerNode: number } | null;
}

function hostPart(c: { user: string; host: string; port: number }): string {
  return `${c.user}@${c.host}${c.port === 22 ? '' : `:${c.port}`}`;
}

export function targetAddress(t: Saved): string {
  if (t.kind === 'ssh') return `ssh://${hostPart(t.ssh)}`;
  return t.slurm.via ? `slurm+ssh://${hostPart(t.slurm.via)}` : 'slurm://';
}

/** Parses ssh://user@host[:port] (IPv6 in brackets) after its scheme; refuses anything that is not exactly that. */
function parseUserHost(url: string, scheme: string): { user: string; host: string; port: number } {
  const m = new RegExp(`^${scheme.replace('+', '\\+')}://([^@/:\\s]+)@(\\[[0-9A-Fa-f:.]+\\]|[^@/:\\s]+)(?::(\\d{1,5}))?/?$`).exec(url);
  if (!m) throw new LatheError('INVALID_ARGUMENTS', `"${url}" is not an address Lathe can use.`, `Write it as ${scheme}://user@host or ${scheme}://user@host:port.`);
  return { user: m[1]!, host: m[2]!, port: m[3] ? Number(m[3]) : 22 };
}

/** A saved target's settings from `targets.add`'s arguments, checked by the target's schema. */
function savedFrom(args: ParsedArgsOf<'targets.add'>): Saved {
  const connection = (scheme: string) => ({ ...parseUserHost(args.url, scheme), identityFile: args.identityFile ? expandHome(args.identityFile) : null, sshOptions: args.sshOptions });
  const place = { python: args.python, workDir: args.workDir };
  const checked = <T>(r: { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } }): T => {
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    throw new LatheError('INVALID_ARGUMENTS', `Target ${issue.path.map(String).join('.')}: ${issue.message}.`, 'Fix that part of the address or settings.');
  };
  if (args.url.startsWith('ssh://')) {
    if (args.slurm || args.slurmConf) throw new LatheError('INVALID_ARGUMENTS', 'Slurm settings were given for an SSH server.', 'Use slurm:// or slurm+ssh://user@login-node for a Slurm cluster.');
    if ((args.maxRuns ?? 1) > 1) throw new LatheError('INVALID_ARGUMENTS', 'An SSH server takes one run at a time: nothing there would keep two runs off the same GPU.', 'Add it without --max-runs, or reach a cluster through Slurm (slurm+ssh://…), which gives each run its own GPUs.');
    return { kind: 'ssh', ssh: checked(sshTargetSchema.safeParse({ ...connection('ssh'), ...place })) };
  }
  if (args.url !== 'slurm://' && !args.url.startsWith('slurm+ssh://')) throw new LatheError('INVALID_ARGUMENTS', `"${args.url}" is not an address Lathe can use.`, 'Write slurm:// (Slurm on this machine) or slurm+ssh://user@login-node.');
  const via = args.url === 'slurm://' ? null : connection('slurm+ssh');
  return { kind: 'slurm', slurm: checked(slurmTargetSchema.safeParse({ via, slurmConf: args.slurmConf ?? null, job: args.slurm ?? {}, maxRuns: args.maxRuns ?? 1, ...place })) };
}

function parseSaved(r: TargetRow): Saved {
  return r.kind === 'ssh' ? { kind: 'ssh', ssh: sshTargetSchema.parse(JSON.parse(r.config)) } : { kind: 'slurm', slurm: slurmTargetSchema.parse(JSON.parse(r.config)) };
}

/** How commands reach a target: its SSH server, its Slurm login node, or this machine for a local Slurm. */
function workHost(t: Saved): WorkHost {
  if (t.kind === 'ssh') return { shell: sshShell(t.ssh), python: t.ssh.python, workDir: t.ssh.workDir };
  const s = t.slurm;
  const shell = s.via ? sshShell({ ...s.via, python: s.python, workDir: s.workDir }) : localShell();
  return { shell, python: s.python, workDir: s.workDir };
}

/**
 * Saved compute targets (issue 18): add, list, test, remove. Adding checks the settings but not the connection
 * (an administrator may set up a target before it is reachable); `test` connects, installs Lathe's trainer package
 * there and runs the trainer's doctor with the target's Python (and for Slurm asks sinfo about the partition).
 * Every change is audited.
 */
export class TargetDirectory {
  constructor(private readonly ctx: EngineContext) {}

  list(): ComputeTarget[] {
    const { db } = requireDb(this.ctx);
    const counts = runCountsByTarget(db);
    const local: ComputeTarget = { name: 'local', kind: 'local', address: 'this machine', ssh: null, slurm: null, createdAt: null, createdBy: null, lastTest: null, ...(counts.get(null) ?? { running: 0, queued: 0 }) };
    return [local, ...targetQueries(db).list().map((r) => view(r, counts.get(r.name)))];
  }

  add(args: ParsedArgsOf<'targets.add'>): ComputeTarget {
    const { db, audit } = requireDb(this.ctx);
    const q = targetQueries(db);
    if (q.get(args.name)) throw new LatheError('INVALID_ARGUMENTS', `There is already a target named "${args.name}".`, 'Pick another name, or remove the old one first (`lathe targets remove`).');
    const saved = savedFrom(args);
    const settings = saved.kind === 'ssh' ? saved.ssh : saved.slurm;
    const row: TargetRow = { name: args.name, kind: saved.kind, config: JSON.stringify(settings), created_at: new Date().toISOString(), created_by: this.ctx.actor, last_test: null };
    q.insert(row);
    this.ctx.events.emit('audit.appended', audit.append({ actor: this.ctx.actor, action: 'target.add', objectType: 'target', objectId: args.name, details: { kind: saved.kind, address: targetAddress(saved), ...settings } }));
    return view(row, undefined);
  }

  /** How many runs a queue resource holds at once: a Slurm target's maxRuns; a device or an SSH server, one. */
  capacity(resource: string): number {
    if (!resource.startsWith('target:') || !this.ctx.db) return 1;
    const row = targetQueries(this.ctx.db).get(resource.slice('target:'.length));
    try {
      const saved = row ? parseSaved(row) : null;
      return saved?.kind === 'slurm' ? saved.slurm.maxRuns : 1;
    } catch {
      return 1; // settings an older Lathe wrote and this one cannot read: one at a time
    }
  }

  remove(name: string): boolean {
    const { db, audit } = requireDb(this.ctx);
    const busy = runCountsByTarget(db).get(name);
    if (busy && busy.running + busy.queued > 0) throw new LatheError('INVALID_ARGUMENTS', `Target "${name}" has ${busy.running} running and ${busy.queued} queued runs.`, 'Stop or cancel them first.');
    const removed = targetQueries(db).remove(name);
    if (removed) this.ctx.events.emit('audit.appended', audit.append({ actor: this.ctx.actor, action: 'target.remove', objectType: 'target', objectId: name, details: {} }));
    return removed;
  }

  /** Where a run on the saved target `name` runs, or a NOT_FOUND naming the saved targets. */
  place(name: string): TargetPlace {
    const saved = this.saved(name);
    const host = workHost(saved);
    const address = targetAddress(saved);
    const launcher = (runId: string, restored?: Record<string, unknown>) => (saved.kind === 'ssh' ? sshLauncher(host) : slurmLauncher(host, saved.slurm, runId, restored));
    const layout = saved.kind === 'slurm' ? { nodes: saved.slurm.job.nodes, gpusPerNode: saved.slurm.job.gpusPerNode } : null;
    return { address, host, launcher, layout, data: { target: name, kind: saved.kind, address, host: host.shell.host } };
  }

  async test(name: string): Promise<TargetTest> {
    const saved = this.saved(name);
    const host = workHost(saved);
    const started = Date.now();
    const at = new Date().toISOString();
    let result: TargetTest;
    try {
      await installTrainer(host);
      const out = await shellCheck(host.shell, remotePython(host, 'lathe_trainer', ['doctor']), 'run the trainer’s doctor', { timeoutMs: 300_000 });
      const done = out.split('\n').map((l) => { try { return JSON.parse(l) as { type?: string; payload?: Record<string, unknown> }; } catch { return null; } }).find((l) => l?.type === 'done');
      const p = done?.payload ?? {};
      const gpus = ((p.gpus as Array<{ name: string; vram_bytes: number | null; kind?: string }> | undefined) ?? []).filter((g) => g.kind !== 'mps').map((g) => ({ name: g.name, vramBytes: g.vram_bytes }));
      const torch = typeof p.torch === 'string' ? p.torch : null;
      const queue = saved.kind === 'slurm' ? await partitionReport(host, saved.slurm) : null;
      const where = saved.kind === 'slurm' ? `; ${queue}` : `, ${gpus.length ? gpus.map((g) => g.name).join(', ') : 'no GPU (CPU only)'}`;
      result = {
        ok: !!torch, at, python: typeof p.python === 'string' ? p.python : null, torch, gpus, queue, seconds: (Date.now() - started) / 1000,
        message: torch ? `Connected; Python ${String(p.python)}, torch ${torch}${where}.` : 'Connected, but the target’s Python has no torch.',
        hint: torch ? '' : `Point --python at an environment with torch, transformers and peft (the offline bundle's); ${host.python} lacks torch.`,
      };
    } catch (err) {
      const e = err as LatheError;
      result = { ok: false, at, python: null, torch: null, gpus: [], queue: null, seconds: (Date.now() - started) / 1000, message: e.message, hint: e.hint ?? '' };
    }
    const { db, audit } = requireDb(this.ctx);
    targetQueries(db).setTest(name, JSON.stringify(result));
    this.ctx.events.emit('audit.appended', audit.append({ actor: this.ctx.actor, action: 'target.test', objectType: 'target', objectId: name, details: result }));
    return result;
  }

  private saved(name: string): Saved {
    const q = targetQueries(requireDb(this.ctx).db);
    const row = q.get(name);
    if (!row) {
      const known = q.list().map((r) => r.name);
      throw new LatheError('NOT_FOUND', `There is no compute target "${name}".`, known.length ? `Saved targets: ${known.join(', ')}, and local.` : 'Add one with `lathe targets add NAME ssh://user@host --python PATH --work-dir PATH`.');
    }
    return parseSaved(row);
  }
}

/** The partition as sinfo sees it: "partition a100: 4 nodes (2 idle, 2 mixed), 64 CPUs and gpu:a100:8 each". */
async function partitionReport(host: WorkHost, s: SlurmTarget): Promise<string> {
  const words = [...(s.slurmConf ? ['env', `SLURM_CONF=${s.slurmConf}`] : []), 'sinfo', '-h', ...(s.job.partition ? ['-p', s.job.partition] : []), '-o', '%P|%D|%T|%c|%G|%m'];
  const r = await shellRun(host.shell, words, { timeoutMs: 60_000 });
  if (r.code !== 0) throw host.shell.failure(r, 'ask Slurm about the partition (sinfo)');
  const rows = r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
  if (!rows.length) throw new LatheError('TARGET_FAILED', `Slurm has no partition ${s.job.partition ?? '(default)'}.`, 'Check the partition name with `sinfo`.');
  const partition = rows[0]![0]!.replace(/\*$/, '');
  const nodes = rows.reduce((n, r) => n + Number(r[1]), 0);
  const states = rows.map((r) => `${r[1]} ${r[2]}`).join(', ');
  const gres = [...new Set(rows.map((r) => r[4]).filter((g) => g && g !== '(null)'))].join(', ');
  return `partition ${partition}: ${nodes} node${nodes === 1 ? '' : 's'} (${states}), ${rows[0]![3]} CPUs${gres ? ` and ${gres}` : ', no GPUs'} each`;
}

function view(r: TargetRow, counts: { running: number; queued: number } | undefined): ComputeTarget {
  const saved = parseSaved(r);
  return {
    name: r.name, kind: saved.kind, address: targetAddress(saved), ssh: saved.kind === 'ssh' ? saved.ssh : null, slurm: saved.kind === 'slurm' ? saved.slurm : null,
    createdAt: r.created_at, createdBy: r.created_by, lastTest: r.last_test ? (JSON.parse(r.last_test) as TargetTest) : null,
    running: counts?.running ?? 0, queued: counts?.queued ?? 0,
  };
}

/** Running and queued runs per target name (null: this machine). */
function runCountsByTarget(db: Parameters<typeof runQueries>[0]): Map<string | null, { running: number; queued: number }> {
  const counts = new Map<string | null, { running: number; queued: number }>();
  for (const r of runQueries(db).active()) {
    const target = runTarget(r);
    const c = counts.get(target) ?? { running: 0, queued: 0 };
    if (r.status === 'running') c.running += 1;
    else c.queued += 1;
    counts.set(target, c);
  }
  return counts;
}
