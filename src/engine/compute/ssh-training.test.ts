import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { RunSummary } from '../../shared/contract/index.js';
import { Engine } from '../engine.js';
import { findPythonEnv } from '../training/python-env.js';
import { finished, firstMetrics, quick, trainingEngine, waitForRun } from '../training/training-test-kit.js';
import { readFollowState } from './remote-trainer.js';
import { startTestSshServer, type TestSshServer } from './sshd.test-support.js';

/**
 * Training on an SSH compute target (issue 18), against a real OpenSSH server on 127.0.0.1 (Debian's sshd, keys made
 * by the test) and the real trainer: the "remote" machine is this one, reached only through ssh and rsync, with its
 * own work folder, so every path the trainer sees there differs from the run's folder here.
 */
let sshd: TestSshServer;
let engines: Engine[] = [];
beforeAll(async () => {
  sshd = await startTestSshServer();
}, 60_000);
afterAll(async () => sshd?.stop());
afterEach(async () => {
  for (const e of engines) await e.dispose();
  engines = [];
});

async function engineWithTarget(name = 'box', folder = 'work') {
  const kit = await trainingEngine(engines);
  const workDir = path.join(tempDir('lathe-remote-'), folder);
  await kit.engine.call('targets.add', {
    name, url: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, python: findPythonEnv().python, workDir,
    identityFile: sshd.identityFile, sshOptions: [`UserKnownHostsFile=${sshd.knownHostsFile}`, 'StrictHostKeyChecking=yes'],
  });
  return { ...kit, workDir };
}

const kinds = (r: RunSummary) => r.events.map((e) => e.kind);

describe('an SSH compute target (real sshd on 127.0.0.1)', () => {
  it('tests the connection: installs the trainer there and reports its Python, torch and GPUs; no path reaches a shell unquoted', async () => {
    // A work folder whose name a shell would act on: every word Lathe sends over ssh is quoted, so it stays a name.
    const canary = path.join(tempDir(), 'pwned');
    const { engine, workDir } = await engineWithTarget('box', `work it's $(touch ${canary}) \`touch ${canary}\` ; touch ${canary}`);
    const test = await engine.call('targets.test', { name: 'box' });
    expect(fs.existsSync(canary)).toBe(false);
    expect(test).toMatchObject({ ok: true, gpus: [] });
    expect(test.torch).toMatch(/^\d+\.\d+/);
    expect(fs.existsSync(path.join(workDir, 'trainer', 'lathe_trainer', 'remote.py'))).toBe(true);
    const { targets } = await engine.call('targets.list', {});
    expect(targets.map((t) => t.name)).toEqual(['local', 'box']);
    expect(targets[1]).toMatchObject({ kind: 'ssh', address: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, lastTest: { ok: true } });
    const audit = (await engine.call('audit.list', { limit: 20 })).entries.map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['target.add', 'target.test']));
  }, 120_000);

  it('trains a LoRA run there: data and model staged and verified, live metrics, the adapter copied back, verified and registered', async () => {
    const { engine, versionId, baseModelDir, workDir } = await engineWithTarget();
    const started = await engine.call('runs.start', { ...quick, baseModelDir, datasetVersionId: versionId, target: 'box' });
    expect(started).toMatchObject({ target: 'box', slot: 'target:box' });
    const steps: number[] = [];
    const stopListening = engine.ctx.events.listen('run.metrics', (m) => m.runId === started.id && m.values.loss !== undefined && steps.push(m.step));
    const run = await waitForRun(engine, started.id, finished, 240_000);
    stopListening();
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(kinds(run)).toEqual(expect.arrayContaining(['staged', 'launched', 'fetched', 'adapter_registered']));
    const startedEvent = run.events.find((e) => e.kind === 'started')!;
    expect(startedEvent.data).toMatchObject({ target: 'box', host: '127.0.0.1' });
    // Where it ran and the environment reported there, in its events and its lineage.
    expect(run.events.find((e) => e.kind === 'environment')!.message).toMatch(/^On 127\.0\.0\.1: python 3\.\d+\.\d+, torch \d+\.\d+.*; device CPU/i);
    const lineage = await engine.call('lineage.get', { kind: 'run', id: run.id });
    const node = lineage.nodes.find((n) => n.kind === 'run')!;
    expect(node.facts).toContainEqual({ label: 'Trained on', value: expect.stringMatching(/^box · 127\.0\.0\.1 · pid \d+$/) });

    // The trainer there saw only the target's paths; this machine's records name only this machine's files.
    const remoteRun = path.join(workDir, 'runs', run.id);
    const remoteConfig = JSON.parse(fs.readFileSync(path.join(remoteRun, 'run.json'), 'utf8')) as { output_dir: string; base_model: string };
    expect(remoteConfig.output_dir).toBe(remoteRun);
    expect(remoteConfig.base_model.startsWith(path.join(workDir, 'models'))).toBe(true);
    for (const c of run.checkpoints) {
      expect(c.path.startsWith(run.outputDir)).toBe(true);
      expect(fs.existsSync(c.path)).toBe(true);
    }
    for (const f of ['adapter_model.safetensors', 'adapter_config.json']) {
      expect(fs.readFileSync(path.join(run.outputDir, 'adapter', f))).toEqual(fs.readFileSync(path.join(remoteRun, 'adapter', f)));
    }
    const { models } = await engine.call('models.list', {});
    expect(models.some((m) => m.path.startsWith(path.join(run.outputDir, 'adapter')))).toBe(true);
  }, 300_000);

  it('survives a dropped connection: the trainer goes on there, Lathe reattaches and no metric line is lost or repeated', async () => {
    const { engine, versionId, baseModelDir } = await engineWithTarget();
    const started = await engine.call('runs.start', { ...quick, maxSteps: 60, checkpointEvery: 20, baseModelDir, datasetVersionId: versionId, target: 'box' });
    const steps: number[] = [];
    const stopListening = engine.ctx.events.listen('run.metrics', (m) => m.runId === started.id && m.values.loss !== undefined && steps.push(m.step));
    await firstMetrics(engine, started.id);
    await sshd.dropConnections();
    const run = await waitForRun(engine, started.id, finished, 240_000);
    stopListening();
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    expect(kinds(run)).toEqual(expect.arrayContaining(['connection_lost', 'reattached', 'fetched']));
    expect(steps).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  }, 300_000);

  it('stops over SSH with a checkpoint there, brings it back, and resumes on the target', async () => {
    const { engine, versionId, baseModelDir } = await engineWithTarget();
    const started = await engine.call('runs.start', { ...quick, maxSteps: 400, checkpointEvery: 5, baseModelDir, datasetVersionId: versionId, target: 'box' });
    await firstMetrics(engine, started.id);
    await engine.call('runs.stop', { runId: started.id });
    const stopped = await waitForRun(engine, started.id, finished, 120_000);
    expect(stopped.status, JSON.stringify(stopped.error)).toBe('stopped');
    const last = stopped.checkpoints.at(-1)!;
    expect(fs.existsSync(last.path)).toBe(true);
    const resumed = await engine.call('runs.resume', { runId: started.id });
    expect(['queued', 'running']).toContain(resumed.status);
    const done = await waitForRun(engine, started.id, finished, 240_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(kinds(done).filter((k) => k === 'launched')).toHaveLength(2);
  }, 400_000);

  it('fails a run with a clear error when the target cannot be reached, and keeps the run to retry', async () => {
    const { engine, versionId, baseModelDir } = await trainingEngine(engines);
    await engine.call('targets.add', { name: 'gone', url: `ssh://${sshd.user}@127.0.0.1:1`, python: '/usr/bin/python3', workDir: '/tmp/lathe-nowhere', identityFile: sshd.identityFile, sshOptions: [`UserKnownHostsFile=${sshd.knownHostsFile}`] });
    const started = await engine.call('runs.start', { ...quick, baseModelDir, datasetVersionId: versionId, target: 'gone' });
    const run = await waitForRun(engine, started.id, finished, 120_000);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'target_unreachable' });
    expect(run.error!.message).toMatch(/Could not reach .*127\.0\.0\.1 on port 1/);
    expect(run.error!.hint).toMatch(/without a password/);
  }, 120_000);
});

describe('an SSH run whose engine dies (real sshd, the engine a `lathe train` process killed with SIGKILL)', () => {
  it('is followed again by the next engine from where the dead one stopped reading, and finishes with every step once', async () => {
    const { engine, dataDir, baseModelDir } = await engineWithTarget();
    await engine.dispose();
    engines = engines.filter((e) => e !== engine);
    const cli = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'train', '--base', baseModelDir, '--dataset', 'northwind', '--target', 'box', '--steps', '300',
      '--checkpoint-every', '100', '--lr', '0.01', '--rank', '4', '--seq-len', '256', '--batch', '2', '--device', 'cpu', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const runId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no run started: ${out}`)), 120_000);
      const poll = setInterval(() => {
        const id = /Run ([0-9a-f-]{36}) on northwind/.exec(out)?.[1];
        const state = id ? readFollowState(path.join(dataDir, 'runs', id)) : null;
        if (id && state && state.offset > 0) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(id);
        }
      }, 100);
    });
    cli.kill('SIGKILL');
    await new Promise((r) => cli.once('close', r));

    const next = Engine.open({ dataDir, mode: 'test' });
    engines.push(next);
    const done = await waitForRun(next, runId, finished, 240_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.events.find((e) => e.kind === 'reattached')!.message).toMatch(/^Lathe restarted while this run trained on 127\.0\.0\.1/);
    expect(done.events.filter((e) => e.kind === 'launched')).toHaveLength(1);
    // Every event is recorded once: the offset past an event or hello line is saved at once, not a quarter second later.
    const said = done.events.map((e) => `${e.kind}: ${e.message}`);
    expect(said.filter((k, i) => said.indexOf(k) !== i)).toEqual([]);
    const { series } = await next.call('runs.metrics', { runId });
    expect(series.loss!.map(([step]) => step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect((await next.call('audit.list', { limit: 50 })).entries.map((e) => e.action)).toContain('run.reattached');
  }, 400_000);
});
