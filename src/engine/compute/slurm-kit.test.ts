import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slurmAvailable, startTestSlurm, type TestSlurm } from './slurm.test-support.js';

/**
 * The test Slurm kit is a real cluster: a batch job runs and completes, a running job is cancelled, a job whose
 * step is killed fails, and a job bigger than the node is held back with a reason — each read back through the
 * same commands (sbatch, scontrol, scancel) the engine will use.
 */
describe.skipIf(!slurmAvailable() && !process.env.CI)('the test Slurm kit (slurmctld + slurmd + munged, one node)', () => {
  let slurm: TestSlurm;

  beforeAll(async () => {
    const started = Date.now();
    slurm = await startTestSlurm();
    console.info(`[slurm-kit] node ${slurm.nodeName} (${slurm.cpus} CPUs) idle after ${Date.now() - started} ms`);
  }, 60_000);

  afterAll(async () => {
    const started = Date.now();
    const root = slurm?.root;
    await slurm?.stop();
    console.info(`[slurm-kit] stopped in ${Date.now() - started} ms`);
    if (root) expect(fs.existsSync(root)).toBe(false);
  }, 30_000);

  /** A command's exit status and output, never thrown. */
  function sh(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(cmd, args, { env: slurm.env, encoding: 'utf8', timeout: 15_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  function script(name: string, body: string): string {
    const file = path.join(slurm.sharedDir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  }

  async function submit(name: string, body: string, extra: string[] = []): Promise<string> {
    const r = await sh('sbatch', ['--parsable', `--chdir=${slurm.sharedDir}`, `--output=${slurm.sharedDir}/slurm-%j.out`, `--job-name=${name}`, ...extra, script(`${name}.sh`, body)]);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim().split(';')[0]!;
    expect(id).toMatch(/^\d+$/);
    return id;
  }

  /** scontrol's one-line record of a job as key=value pairs (JobState, Reason, ExitCode, ...). */
  async function job(id: string): Promise<Record<string, string>> {
    const r = await sh('scontrol', ['-o', 'show', 'job', id]);
    const fields: Record<string, string> = {};
    for (const m of r.stdout.matchAll(/(\w+)=(\S*)/g)) fields[m[1]!] ??= m[2]!;
    return fields;
  }

  async function waitForJob(id: string, done: (f: Record<string, string>) => boolean, timeoutMs = 30_000): Promise<Record<string, string>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const f = await job(id);
      if (done(f)) return f;
      if (Date.now() > until) throw new Error(`job ${id} still ${f.JobState ?? '?'} (Reason=${f.Reason ?? '?'}) after ${timeoutMs} ms\n${slurm.logTails()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const FINISHED = /^(COMPLETED|CANCELLED|FAILED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)$/;

  /** The jobcomp/filetxt record of a finished job (written when it ends; polled briefly). */
  async function jobComp(id: string): Promise<string> {
    const until = Date.now() + 5_000;
    for (;;) {
      const text = fs.existsSync(slurm.jobCompFile) ? fs.readFileSync(slurm.jobCompFile, 'utf8') : '';
      const line = text.split('\n').find((l) => l.startsWith(`JobId=${id} `));
      if (line || Date.now() > until) return line ?? '';
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A pid is gone when it no longer exists or is a zombie (a container's init may never reap it). */
  function gone(pid: number): boolean {
    try {
      return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return true;
    }
  }

  /** The pids scontrol listpids reports for a job: [{ pid, step, localId }]. */
  async function listPids(id: string): Promise<{ pid: number; step: string; localId: string }[]> {
    const r = await sh('scontrol', ['listpids', id]);
    return r.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c.length >= 4 && /^\d+$/.test(c[0]!))
      .map((c) => ({ pid: Number(c[0]), step: c[2]!, localId: c[3]! }));
  }

  /** Polls listpids until `pick` finds something: RUNNING is the controller's word, and slurmd may not have forked yet. */
  async function waitForPids<T>(id: string, pick: (pids: Awaited<ReturnType<typeof listPids>>) => T | undefined, timeoutMs = 30_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = pick(await listPids(id));
      if (found !== undefined) return found;
      if (Date.now() > until) throw new Error(`job ${id}: no such process after ${timeoutMs} ms\n${slurm.logTails()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('a batch job writes to the shared folder and ends COMPLETED, readable from scontrol and the jobcomp file', async () => {
    const started = Date.now();
    const id = await submit('hello', `echo hi > ${slurm.sharedDir}/out.txt`);
    const f = await waitForJob(id, (j) => FINISHED.test(j.JobState ?? ''));
    console.info(`[slurm-kit] job ${id}: ${f.JobState} ExitCode=${f.ExitCode} after ${Date.now() - started} ms`);
    expect(f.JobState, slurm.logTails()).toBe('COMPLETED');
    expect(f.ExitCode).toBe('0:0');
    expect(f.NodeList).toBe(slurm.nodeName);
    expect(f.Partition).toBe(slurm.partition);
    expect(fs.readFileSync(path.join(slurm.sharedDir, 'out.txt'), 'utf8')).toBe('hi\n');
    expect(await jobComp(id)).toMatch(/ JobState=COMPLETED .* ExitCode=0:0/);
  });

  it('a running job is CANCELLED by scancel, and its processes end', async () => {
    const started = Date.now();
    const id = await submit('long', 'sleep 300');
    await waitForJob(id, (j) => j.JobState === 'RUNNING');
    // The script's shell and its sleep, both in the batch step.
    const pids = await waitForPids(id, (ps) => (ps.length >= 2 ? ps : undefined));
    const cancel = await sh('scancel', [id]);
    expect(cancel.code, cancel.stderr).toBe(0);
    const f = await waitForJob(id, (j) => FINISHED.test(j.JobState ?? ''));
    console.info(`[slurm-kit] job ${id}: ${f.JobState} Reason=${f.Reason} ExitCode=${f.ExitCode} after ${Date.now() - started} ms`);
    expect(f.JobState).toBe('CANCELLED');
    expect(await jobComp(id)).toMatch(/ JobState=CANCELLED /);
    const until = Date.now() + 10_000;
    while (!pids.every((p) => gone(p.pid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter((p) => !gone(p.pid))).toEqual([]);
  });

  it('a job whose srun step is SIGKILLed ends FAILED, not COMPLETED', async () => {
    const started = Date.now();
    const id = await submit('step', 'srun sleep 299');
    // Step 0's task (LOCALID 0) is the sleep itself, under slurmstepd [id.0] (once it has exec'd sleep).
    const isSleep = (pid: number) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('299');
      } catch {
        return false;
      }
    };
    const task = await waitForPids(id, (ps) => ps.find((p) => p.step === '0' && p.localId === '0' && isSleep(p.pid))?.pid);
    process.kill(task, 'SIGKILL');
    const f = await waitForJob(id, (j) => FINISHED.test(j.JobState ?? ''));
    console.info(`[slurm-kit] job ${id}: ${f.JobState} Reason=${f.Reason} ExitCode=${f.ExitCode} after ${Date.now() - started} ms`);
    expect(f.JobState).not.toBe('COMPLETED');
    expect(f.JobState).toBe('FAILED');
    expect(f.Reason).toBe('NonZeroExitCode');
    // srun exits 128+9; that is the script's, so the job's, exit code.
    expect(f.ExitCode).toBe('137:0');
    expect(await jobComp(id)).toMatch(/ JobState=FAILED .* ExitCode=137:0/);
    expect(fs.readFileSync(path.join(slurm.sharedDir, `slurm-${id}.out`), 'utf8')).toMatch(/task 0: Killed/);
  });

  it('a job asking for more CPUs than the node has is accepted but stays PENDING (Reason=PartitionConfig)', async () => {
    const r = await sh('sbatch', ['--parsable', `--chdir=${slurm.sharedDir}`, `--output=${slurm.sharedDir}/slurm-%j.out`, `--cpus-per-task=${slurm.cpus + 1}`, script('big.sh', 'echo never')]);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    // Right after submission the reason may still be None, until the scheduler has looked at the job.
    const f = await waitForJob(id, (j) => j.JobState !== 'PENDING' || (j.Reason ?? 'None') !== 'None', 15_000);
    console.info(`[slurm-kit] job ${id} (${slurm.cpus + 1} CPUs): ${f.JobState} Reason=${f.Reason}`);
    expect(f.JobState).toBe('PENDING');
    expect(f.Reason).toBe('PartitionConfig');
    // It stays there.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await job(id)).JobState).toBe('PENDING');
    await sh('scancel', [id]);
    expect((await waitForJob(id, (j) => FINISHED.test(j.JobState ?? ''))).JobState).toBe('CANCELLED');
  });
});
