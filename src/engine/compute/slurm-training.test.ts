import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/contract/index.js';
import type { Engine } from '../engine.js';
import { findPythonEnv } from '../training/python-env.js';
import { finished, firstMetrics, quick, trainingEngine, waitForRun } from '../training/training-test-kit.js';
import { slurmAvailable, startTestSlurm, type TestSlurm } from './slurm.test-support.js';

/**
 * Training on a Slurm cluster (issue 18), against a real one-node Slurm started by the test (slurmctld, slurmd and
 * munged from Debian, CPU-only jobs) and the real trainer: Lathe submits a batch job with sbatch, follows the
 * trainer's lines through the shared folder, stops with scancel, and reads the scheduler's state with scontrol.
 */
const run = promisify(execFile);
let slurm: TestSlurm;
let engines: Engine[] = [];
beforeAll(async () => {
  if (slurmAvailable() || process.env.CI) slurm = await startTestSlurm();
}, 90_000);
afterAll(async () => slurm?.stop());
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

async function engineWithCluster(job: Record<string, unknown> = {}, target: { maxRuns?: number } = {}) {
  const kit = await trainingEngine(engines);
  const workDir = fs.mkdtempSync(path.join(slurm.sharedDir, 'lathe-'));
  await kit.engine.call('targets.add', {
    name: 'cluster', url: 'slurm://', python: findPythonEnv().python, workDir, slurmConf: slurm.confPath,
    slurm: { partition: slurm.partition, cpusPerTask: 1, timeLimit: '30:00', ...job }, ...target,
  });
  return { ...kit, workDir };
}

const kinds = (r: RunSummary) => r.events.map((e) => e.kind);
const jobOf = (r: RunSummary) => String((r.events.findLast((e) => e.kind === 'launched')!.data as { jobId: string }).jobId);
const scontrol = async (id: string) => (await run('scontrol', ['-o', 'show', 'job', id], { env: slurm.env })).stdout;

describe.skipIf(!slurmAvailable() && !process.env.CI)('a Slurm compute target (real slurmctld + slurmd on this machine)', () => {
  it('tests the cluster: the trainer installed on the shared folder, Python and torch there, the partition as sinfo sees it', async () => {
    const { engine, workDir } = await engineWithCluster();
    const test = await engine.call('targets.test', { name: 'cluster' });
    expect(test.ok, test.message).toBe(true);
    expect(test.queue).toMatch(new RegExp(`^partition ${slurm.partition}: 1 node \\(1 idle\\), ${slurm.cpus} CPUs, no GPUs each$`));
    expect(fs.existsSync(path.join(workDir, 'trainer', 'lathe_trainer', 'remote.py'))).toBe(true);
    expect((await engine.call('targets.list', {})).targets[1]).toMatchObject({ kind: 'slurm', address: 'slurm://', slurm: { job: { partition: slurm.partition, cpusPerTask: 1 } } });
  }, 120_000);

  it('trains a LoRA run as a batch job: live metrics from the shared folder, the adapter verified and registered', async () => {
    const { engine, versionId, baseModelDir } = await engineWithCluster();
    const started = await engine.call('runs.start', { ...quick, baseModelDir, datasetVersionId: versionId, target: 'cluster' });
    const steps: number[] = [];
    const stop = engine.ctx.events.listen('run.metrics', (m) => m.runId === started.id && m.values.loss !== undefined && steps.push(m.step));
    const done = await waitForRun(engine, started.id, finished, 240_000);
    stop();
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(kinds(done)).toEqual(expect.arrayContaining(['staged', 'launched', 'fetched', 'adapter_registered']));
    expect(done.events.find((e) => e.kind === 'launched')!.message).toMatch(/^Submitted to Slurm as job \d+ on partition lathe \(1 CPU\)\.$/);
    expect(await scontrol(jobOf(done))).toMatch(/JobState=COMPLETED/);
    const lineage = await engine.call('lineage.get', { kind: 'run', id: done.id });
    expect(lineage.nodes.find((n) => n.kind === 'run')!.facts).toContainEqual({ label: 'Trained on', value: `cluster · this machine · Slurm job ${jobOf(done)}` });
    const { models } = await engine.call('models.list', {});
    expect(models.some((m) => m.path.startsWith(path.join(done.outputDir, 'adapter')))).toBe(true);
  }, 300_000);

  it('runs two trainer processes as srun + torchrun joined by c10d on the job\'s node (gloo on CPU): a stop reaches both, one checkpoint, and the resumed job finishes', async () => {
    const { engine, versionId, baseModelDir } = await engineWithCluster({ cpusPerTask: slurm.cpus });
    const started = await engine.call('runs.start', { ...quick, maxSteps: 200, checkpointEvery: 0, microBatchSize: 1, gradAccum: 2, devices: [0, 1], baseModelDir, datasetVersionId: versionId, target: 'cluster' });
    // A stop reaches every process through scancel → the supervisor → srun → torchrun: they agree on a step and checkpoint once.
    await firstMetrics(engine, started.id);
    await engine.call('runs.stop', { runId: started.id });
    const stopped = await waitForRun(engine, started.id, finished, 180_000);
    expect(stopped.status, JSON.stringify(stopped.error) + (stopped.stderrTail ?? '')).toBe('stopped');
    expect(stopped.checkpoints).toHaveLength(1);
    await engine.call('runs.resume', { runId: started.id });
    const done = await waitForRun(engine, started.id, (r) => finished(r) && r.events.filter((e) => e.kind === 'launched').length === 2, 300_000);
    expect(done.status, JSON.stringify(done.error) + (done.stderrTail ?? '')).toBe('completed');
    expect(done.events.find((e) => e.kind === 'launched')!.message).toMatch(/2 trainer processes under srun \+ torchrun/);
    expect(done.events.find((e) => e.kind === 'distributed')!.data).toMatchObject({ world_size: 2, backend: 'gloo' });
    const remoteRun = String((done.events.find((e) => e.kind === 'staged')!.data as { remoteDir: string }).remoteDir);
    const script = fs.readFileSync(path.join(remoteRun, '.lathe', 'job.sh'), 'utf8');
    expect(script).toMatch(/'supervise' '--dir' '[^']+' '--srun' '--'/);
    expect(fs.readFileSync(path.join(remoteRun, '.lathe', 'stderr.log'), 'utf8')).toMatch(/--rdzv-backend=c10d/);
  }, 360_000);

  it('stops with scancel (checkpoint first), resumes as a new job after its step is killed, and finishes', async () => {
    const { engine, versionId, baseModelDir } = await engineWithCluster();
    const started = await engine.call('runs.start', { ...quick, maxSteps: 400, checkpointEvery: 5, baseModelDir, datasetVersionId: versionId, target: 'cluster' });
    await firstMetrics(engine, started.id);
    await engine.call('runs.stop', { runId: started.id });
    const stopped = await waitForRun(engine, started.id, finished, 120_000);
    expect(stopped.status, JSON.stringify(stopped.error)).toBe('stopped');
    expect(fs.existsSync(stopped.checkpoints.at(-1)!.path)).toBe(true);

    // A failure on the node: the trainer process is killed (SIGKILL, no checkpoint); the run is interrupted, not lost.
    await engine.call('runs.resume', { runId: started.id });
    const firstJob = jobOf(stopped);
    await new Promise<void>((resolve) => {
      const off = engine.ctx.events.listen('run.metrics', (m) => {
        if (m.runId !== started.id || m.step < stopped.checkpoints.at(-1)!.step + 3) return;
        off();
        resolve();
      });
    });
    const secondJob = jobOf(await engine.call('runs.get', { runId: started.id }));
    expect(secondJob).not.toBe(firstJob);
    const remoteRun = String((stopped.events.find((e) => e.kind === 'staged')!.data as { remoteDir: string }).remoteDir);
    const trainerPid = Number(fs.readFileSync(path.join(remoteRun, '.lathe', 'pid'), 'utf8'));
    process.kill(trainerPid, 'SIGKILL');
    const killed = await waitForRun(engine, started.id, finished, 120_000);
    expect(killed.status).toBe('interrupted');
    expect(killed.error!.message).toMatch(/killed by SIGKILL/);

    await engine.call('runs.resume', { runId: started.id });
    const done = await waitForRun(engine, started.id, (r) => finished(r) && kinds(r).filter((k) => k === 'launched').length === 3, 300_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
  }, 600_000);

  it('hands the cluster as many runs at once as its maxRuns — each its own job, one staged base model — and the next waits in Lathe\'s queue', async () => {
    const { engine, versionId, baseModelDir, workDir } = await engineWithCluster({}, { maxRuns: 2 });
    const long = { ...quick, maxSteps: 5000, checkpointEvery: 0, baseModelDir, datasetVersionId: versionId, target: 'cluster' };
    const launched = (r: RunSummary) => r.events.some((e) => e.kind === 'launched');
    /** The run's Slurm job once it has one; a run that ended first fails here with its own error, not a timeout. */
    const jobWhenLaunched = async (id: string) => {
      const r = await waitForRun(engine, id, (x) => launched(x) || finished(x), 180_000);
      expect(launched(r), `${r.status}: ${JSON.stringify(r.error)}`).toBe(true);
      return jobOf(r);
    };
    const a = await engine.call('runs.start', { ...long, name: 'a' });
    const b = await engine.call('runs.start', { ...long, name: 'b' });
    const c = await engine.call('runs.start', { ...quick, baseModelDir, datasetVersionId: versionId, target: 'cluster', name: 'c' });
    expect([a.status, b.status, c.status]).toEqual(['running', 'running', 'queued']);
    expect(c.queuePosition).toBe(1);
    // Both are handed to Slurm as their own jobs (Slurm decides when each runs: a busy node may hold one back).
    const [jobA, jobB] = [await jobWhenLaunched(a.id), await jobWhenLaunched(b.id)];
    expect(jobA).not.toBe(jobB);
    expect(await scontrol(jobA)).toMatch(/JobState=(PENDING|RUNNING)/);
    expect(await scontrol(jobB)).toMatch(/JobState=(PENDING|RUNNING)/);
    // One staged copy of the base model (beside it: its hash cache and its staging lock).
    expect(fs.readdirSync(path.join(workDir, 'models'), { withFileTypes: true }).filter((d) => d.isDirectory())).toHaveLength(1);
    expect((await engine.call('targets.list', {})).targets[1]).toMatchObject({ running: 2, queued: 1, slurm: { maxRuns: 2 } });
    expect((await engine.call('runs.get', { runId: c.id })).status).toBe('queued');

    // One ends: the waiting run is handed over in its place.
    await engine.call('runs.stop', { runId: a.id });
    await waitForRun(engine, a.id, finished, 180_000);
    const jobC = await jobWhenLaunched(c.id);
    expect([jobA, jobB]).not.toContain(jobC);
    for (const id of [b.id, c.id]) await engine.call('runs.stop', { runId: id }).catch(() => undefined);
    for (const id of [b.id, c.id]) expect(['stopped', 'completed']).toContain((await waitForRun(engine, id, finished, 180_000)).status);
  }, 600_000);

  it('says why a job waits in the queue, and a stop takes it off the queue', async () => {
    const { engine, versionId, baseModelDir } = await engineWithCluster({ cpusPerTask: slurm.cpus + 1 });
    const started = await engine.call('runs.start', { ...quick, baseModelDir, datasetVersionId: versionId, target: 'cluster' });
    const waiting = await waitForRun(engine, started.id, (r) => r.events.some((e) => e.kind === 'scheduler'), 120_000);
    expect(waiting.status).toBe('running');
    expect(waiting.events.find((e) => e.kind === 'scheduler')!.message).toMatch(/^Waiting in Slurm's queue for \d+ CPUs on partition lathe: no node of the partition has that much/);
    await engine.call('runs.stop', { runId: started.id });
    const stopped = await waitForRun(engine, started.id, finished, 120_000);
    expect(stopped.status, JSON.stringify(stopped.error)).toBe('stopped');
    expect(await scontrol(jobOf(stopped))).toMatch(/JobState=CANCELLED/);
  }, 300_000);

  it('a job cancelled outside Lathe (an administrator\'s scancel) ends the run resumable, and its events say what Slurm did', async () => {
    const { engine, versionId, baseModelDir } = await engineWithCluster();
    const started = await engine.call('runs.start', { ...quick, maxSteps: 400, checkpointEvery: 5, baseModelDir, datasetVersionId: versionId, target: 'cluster' });
    await firstMetrics(engine, started.id);
    const id = jobOf(await engine.call('runs.get', { runId: started.id }));
    await run('scancel', [id], { env: slurm.env });
    const gone = await waitForRun(engine, started.id, (r) => finished(r) && r.events.some((e) => e.kind === 'scheduler' && /cancelled outside Lathe/.test(e.message)), 120_000);
    // Slurm's TERM reached the trainer, which saved a checkpoint: the run can go on from there.
    expect(['stopped', 'interrupted']).toContain(gone.status);
    expect(gone.events.find((e) => e.kind === 'scheduler' && /cancelled/.test(e.message))!.message).toBe(`Slurm job ${id} on ${slurm.nodeName} was cancelled outside Lathe (scancel, or an administrator).`);
    expect(gone.checkpoints.length).toBeGreaterThan(0);
    await engine.call('runs.resume', { runId: started.id });
  }, 300_000);
});
