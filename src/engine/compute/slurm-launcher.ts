import path from 'node:path';
import type { SlurmTarget } from '../../shared/contract/features/targets.js';
import type { TrainerFailure } from '../training/trainer-process.js';
import { shellCheck, shellRun } from './host-shell.js';
import { remotePython, type WorkHost } from './remote-files.js';
import type { TrainerLauncher } from './remote-trainer.js';
import { shellLine } from './ssh.js';

/**
 * A Slurm cluster: the trainer is a batch job (`sbatch`) that execs `lathe_trainer.remote supervise` on a compute
 * node, writing its lines to the run's folder on the shared filesystem, where the login node (or this machine)
 * follows them. `scancel --signal=TERM --batch` is a stop (the supervisor passes it to the trainer, which
 * checkpoints); `--signal=B:TERM@120` asks Slurm for the same two minutes before the time limit. `scontrol show
 * job` tells the scheduler's side: waiting (and why), running where, or gone without the trainer saying how.
 */
export function slurmLauncher(t: WorkHost, s: SlurmTarget, runId: string, restored: Record<string, unknown> = {}): TrainerLauncher {
  const slurm = (command: string, args: readonly string[]) => [...(s.slurmConf ? ['env', `SLURM_CONF=${s.slurmConf}`] : []), command, ...args];
  // A restarted engine finds the job again by the id its launch recorded.
  let jobId: string | null = typeof restored.jobId === 'string' ? restored.jobId : null;
  let lastSaid = '';
  let resources = '';

  return {
    async launch(remoteRun, trainerArgs, config) {
      await shellCheck(t.shell, remotePython(t, 'lathe_trainer.remote', ['reset', '--dir', remoteRun]), 'prepare the run folder');
      const script = path.posix.join(remoteRun, '.lathe', 'job.sh');
      // Several processes (nodes × processes per node): srun starts the trainer on every node, torchrun joins them.
      const perNode = typeof config.devices === 'number' ? config.devices : Array.isArray(config.devices) ? Math.max(1, config.devices.length) : 1;
      const nodes = typeof config.nodes === 'number' ? config.nodes : 1;
      const srun = nodes * perNode > 1 ? ['--srun'] : [];
      const body = `#!/bin/sh\n# Lathe run ${runId}: the trainer under its supervisor (lathe_trainer/remote.py).\nexec ${shellLine(remotePython(t, 'lathe_trainer.remote', ['supervise', '--dir', remoteRun, ...srun, '--', ...trainerArgs]))}\n`;
      await shellCheck(t.shell, ['sh', '-c', 'cat > "$1" && chmod 700 "$1"', 'sh', script], 'write the job script', { input: body });
      const j = s.job;
      const options = [
        '--parsable', `--job-name=lathe-${runId.slice(0, 8)}`, `--chdir=${remoteRun}`, `--output=${path.posix.join(remoteRun, '.lathe', 'slurm-%j.out')}`,
        `--nodes=${nodes}`, '--ntasks-per-node=1', `--cpus-per-task=${j.cpusPerTask}`, '--signal=B:TERM@120',
        ...(j.gpusPerNode ? [`--gres=gpu:${j.gpusPerNode}`] : []), ...(j.partition ? [`--partition=${j.partition}`] : []),
        ...(j.account ? [`--account=${j.account}`] : []), ...(j.memory ? [`--mem=${j.memory}`] : []), ...(j.timeLimit ? [`--time=${j.timeLimit}`] : []),
        ...j.extraSbatch,
      ];
      const out = await shellCheck(t.shell, slurm('sbatch', [...options, script]), 'submit the job (sbatch)');
      jobId = out.trim().split('\n').at(-1)!.split(';')[0]!.trim();
      const each = [j.gpusPerNode ? `${j.gpusPerNode} GPU${j.gpusPerNode > 1 ? 's' : ''}` : null, `${j.cpusPerTask} CPU${j.cpusPerTask > 1 ? 's' : ''}`].filter(Boolean).join(' and ');
      resources = nodes > 1 ? `${nodes} nodes with ${each} each` : each;
      const processes = nodes * perNode > 1 ? `; ${nodes * perNode} trainer processes under srun + torchrun` : '';
      return { message: `Submitted to Slurm as job ${jobId}${j.partition ? ` on partition ${j.partition}` : ''} (${resources}${processes}).`, data: { jobId, partition: j.partition, nodes, gpus: j.gpusPerNode, cpus: j.cpusPerTask, processes: nodes * perNode } };
    },

    async signal(_remoteRun, signal) {
      if (!jobId) return;
      const job = await jobRecord(jobId);
      // A job still waiting has no process to signal: taking it off the queue is the stop.
      const args = job?.JobState === 'PENDING' ? [jobId] : signal === 'SIGTERM' ? ['--signal=TERM', '--batch', jobId] : ['--signal=KILL', '--full', jobId];
      await shellCheck(t.shell, slurm('scancel', args), `send ${signal} to Slurm job ${jobId}`, { timeoutMs: 30_000 });
    },

    async watch() {
      if (!jobId) return {};
      const job = await jobRecord(jobId);
      if (!job) return { ended: { code: 'slurm_job_gone', resumable: true, message: `Slurm no longer knows job ${jobId}, and the trainer never said how it ended.`, hint: 'Resume the run from its latest checkpoint.' } };
      const state = job.JobState ?? '';
      const data = { jobId, state, reason: job.Reason ?? null, nodes: job.NodeList ?? null };
      if (state === 'PENDING') {
        const place = await queuePlace(jobId, job.Partition);
        const waiting = `Waiting in Slurm's queue for ${resources} on partition ${job.Partition ?? '?'}: ${reasonText(job.Reason)}${place ? ` (place ${place} in the queue)` : ''}.`;
        const changed = waiting !== lastSaid;
        lastSaid = waiting;
        return { waiting, ...(changed ? { note: { kind: 'scheduler', message: waiting, data: { ...data, place } } } : {}) };
      }
      if (state === 'RUNNING') {
        const said = `Slurm job ${jobId} runs on ${job.NodeList ?? '?'}.`;
        if (said === lastSaid) return {};
        lastSaid = said;
        return { note: { kind: 'scheduler', message: said, data } };
      }
      const ended = endedFailure(jobId, state, job);
      return ended ? { ended } : {};
    },
  };

  /** `scontrol -o show job` as key=value pairs; null when Slurm has forgotten the job. */
  async function jobRecord(id: string): Promise<Record<string, string> | null> {
    const r = await shellRun(t.shell, slurm('scontrol', ['-o', 'show', 'job', id]), { timeoutMs: 30_000 });
    if (r.code !== 0) {
      if (/Invalid job id/i.test(r.stderr)) return null;
      throw t.shell.failure(r, `ask Slurm about job ${id}`);
    }
    const fields: Record<string, string> = {};
    for (const m of r.stdout.matchAll(/(\w+)=(\S*)/g)) fields[m[1]!] ??= m[2]!;
    return fields;
  }

  /** 1-based place among the partition's waiting jobs in Slurm's priority order. */
  async function queuePlace(id: string, partition: string | undefined): Promise<number | null> {
    const r = await shellRun(t.shell, slurm('squeue', ['-h', '-t', 'PD', ...(partition ? ['-p', partition] : []), '-o', '%i', '--sort=-p,i']), { timeoutMs: 30_000 });
    if (r.code !== 0) return null;
    const place = r.stdout.split('\n').map((l) => l.trim()).indexOf(id);
    return place >= 0 ? place + 1 : null;
  }
}

/** Slurm's pending reasons in words a user acts on. */
function reasonText(reason: string | undefined): string {
  const known: Record<string, string> = {
    Resources: 'waiting for free resources',
    Priority: 'jobs with a higher priority are ahead',
    PartitionConfig: 'no node of the partition has that much (more CPUs, GPUs or memory than one node has) — change the target\'s job settings',
    ReqNodeNotAvail: 'the nodes it needs are down, drained or reserved',
    QOSMaxGRESPerUser: 'you already use as many GPUs as your QOS allows',
    AssocGrpGRES: "your account's GPU limit is reached",
    BeginTime: 'its start time has not come',
    Dependency: 'it waits for another job',
    JobHeldUser: 'held by its user (scontrol release)',
    JobHeldAdmin: 'held by an administrator',
    None: 'about to be scheduled',
  };
  return known[reason ?? ''] ?? `Slurm says "${reason ?? 'unknown'}"`;
}

/** A job that ended without the trainer's exit status: what Slurm did to it, and whether the run can go on. */
function endedFailure(id: string, state: string, job: Record<string, string>): TrainerFailure | null {
  const where = job.NodeList && job.NodeList !== '(null)' ? ` on ${job.NodeList}` : '';
  switch (state.split(/\s/)[0]) {
    case 'TIMEOUT':
      return { code: 'slurm_timeout', resumable: true, message: `Slurm ended job ${id}${where} at its time limit (${job.TimeLimit ?? '?'}).`, hint: 'Resume the run from its latest checkpoint; give the target a longer time limit, or checkpoint more often.' };
    case 'PREEMPTED':
      return { code: 'slurm_preempted', resumable: true, message: `Slurm preempted job ${id}${where} for a job with a higher priority.`, hint: 'Resume the run from its latest checkpoint.' };
    case 'NODE_FAIL':
    case 'BOOT_FAIL':
      return { code: 'slurm_node_failed', resumable: true, message: `The node of Slurm job ${id}${where} failed (${state}).`, hint: 'Resume the run from its latest checkpoint; Slurm places it on a healthy node.' };
    case 'CANCELLED':
      return { code: 'slurm_cancelled', resumable: true, message: `Slurm job ${id}${where} was cancelled outside Lathe (scancel, or an administrator).`, hint: 'Resume the run from its latest checkpoint when you are ready.' };
    case 'OUT_OF_MEMORY':
      return { code: 'slurm_out_of_memory', message: `Slurm job ${id}${where} went over its memory limit.`, hint: "Raise the target's memory (--mem) or lower the batch size or sequence length." };
    case 'COMPLETED':
      return { code: 'slurm_job_completed', resumable: true, message: `Slurm job ${id}${where} completed before the trainer said how it ended.`, hint: "Read the job's output (.lathe/slurm-<job>.out in the run's folder there); resume from the latest checkpoint." };
    case 'FAILED':
    case 'DEADLINE':
      return { code: 'slurm_job_failed', resumable: true, message: `Slurm job ${id}${where} ended ${state} (exit ${job.ExitCode ?? '?'}) before the trainer said how it ended.`, hint: "Read the job's output (.lathe/slurm-<job>.out in the run's folder there); resume from the latest checkpoint." };
    default:
      return null; // CONFIGURING, COMPLETING, SUSPENDED…: still the scheduler's
  }
}
