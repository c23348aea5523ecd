import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine.js';
import { TRAINER_ENV_JOB_KIND } from '../hardware/trainer-env-handlers.js';
import { findPythonEnv, venvPython } from './python-env.js';
import { setupPythonEnv, systemPythonFor, trainerEnvState, wheelPythons } from './python-env-setup.js';
import { buildWheelhouse, projectPython } from './wheelhouse.test-support.js';

/**
 * The installed desktop app's first start: `<data>/python-env` made from the wheelhouse its installer carries.
 * Real venvs, a real pip (offline: --no-index) and a real engine; the wheelhouse is one small wheel built here,
 * because the real one is 4 GB (the offline-bundle test installs that one through install.sh, the same Python code).
 */

let work: string;
let wheelhouse: string;
const saved = { wheelhouse: process.env.LATHE_WHEELHOUSE, setupPython: process.env.LATHE_SETUP_PYTHON };

function tinyValue(dataDir: string): string {
  return execFileSync(venvPython(path.join(dataDir, 'python-env')), ['-c', 'import lathe_tinypkg; print(lathe_tinypkg.VALUE)'], { encoding: 'utf8' }).trim();
}

async function waitForJob(engine: Engine, jobId: string) {
  for (;;) {
    const { running, finished } = await engine.call('jobs.list', {});
    const done = finished.find((j) => j.jobId === jobId);
    if (done) return done;
    if (!running.some((j) => j.jobId === jobId)) throw new Error(`job ${jobId} vanished`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-trainer-env-'));
  wheelhouse = path.join(work, 'wheelhouse');
  buildWheelhouse(wheelhouse);
  process.env.LATHE_WHEELHOUSE = wheelhouse;
  process.env.LATHE_SETUP_PYTHON = projectPython;
});
afterAll(() => {
  for (const [key, value] of [['LATHE_WHEELHOUSE', saved.wheelhouse], ['LATHE_SETUP_PYTHON', saved.setupPython]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the trainer environment from the bundled wheelhouse', () => {
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.dispose();
  });

  it('is missing, then made offline with progress, then ready; an update with new wheels makes it stale', async () => {
    const dataDir = path.join(work, 'data-direct');
    expect(trainerEnvState(dataDir).state).toBe('missing');
    expect(trainerEnvState(dataDir, { ...process.env, LATHE_WHEELHOUSE: path.join(work, 'nowhere') }).state).toBe('no-wheelhouse');
    const steps: string[] = [];
    const result = await setupPythonEnv({ dataDir, wheelhouse, gpuExtra: 'no', report: (_f, message) => steps.push(message) });
    expect(result).toMatchObject({ changed: true, packages: 1 });
    expect(steps.some((s) => /Checking wheel 1 of 1/.test(s))).toBe(true);
    expect(tinyValue(dataDir)).toBe('1.0');
    expect(trainerEnvState(dataDir).state).toBe('ready');
    // With a wheelhouse bundled, the data folder's environment comes before the project's .venv.
    expect(findPythonEnv(dataDir)).toMatchObject({ source: 'data folder', python: venvPython(path.join(dataDir, 'python-env')) });

    const updated = path.join(work, 'wheelhouse-2');
    buildWheelhouse(updated, '2.0');
    expect(trainerEnvState(dataDir, { ...process.env, LATHE_WHEELHOUSE: updated }).state).toBe('stale');
  }, 120_000);

  it('an installed app sets it up by itself on first start, audits it, and a second start leaves it alone', async () => {
    const dataDir = path.join(work, 'data-app');
    const engine = Engine.open({ dataDir, mode: 'electron' });
    engines.push(engine);
    const { jobId } = await engine.call('doctor.trainerEnv', {});
    expect(jobId).toEqual(expect.any(String));
    const job = await waitForJob(engine, jobId!);
    expect(job).toMatchObject({ kind: TRAINER_ENV_JOB_KIND, state: 'done' });
    expect(job.message).toMatch(/ready: 1 packages/);
    expect(await engine.call('doctor.trainerEnv', {})).toMatchObject({ state: 'ready', jobId: null });
    expect(tinyValue(dataDir)).toBe('1.0');
    const audit = await engine.call('audit.list', { limit: 50 });
    expect(audit.entries.find((e) => e.action === 'settings.trainer_env')?.details).toMatchObject({ outcome: 'created', packages: 1 });
    await engine.dispose();
    engines.pop();

    const again = Engine.open({ dataDir, mode: 'electron' });
    engines.push(again);
    expect(await again.call('doctor.trainerEnv', {})).toMatchObject({ state: 'ready', jobId: null });
    // A browser-mode or CLI engine never starts it by itself.
    const other = Engine.open({ dataDir: path.join(work, 'data-cli'), mode: 'cli' });
    engines.push(other);
    expect(await other.call('doctor.trainerEnv', {})).toMatchObject({ state: 'missing', jobId: null });
  }, 120_000);

  it('a changed wheel fails the rebuild by name and keeps the environment that worked; busy runs refuse a rebuild', async () => {
    const dataDir = path.join(work, 'data-tamper');
    const engine = Engine.open({ dataDir, mode: 'cli' });
    engines.push(engine);
    expect((await waitForJob(engine, (await engine.call('doctor.setupTrainerEnv', { force: false })).jobId)).state).toBe('done');

    const own = path.join(work, 'wheelhouse-tampered');
    fs.cpSync(wheelhouse, own, { recursive: true });
    const wheel = fs.readdirSync(own).find((f) => f.endsWith('.whl'))!;
    fs.appendFileSync(path.join(own, wheel), 'x');
    process.env.LATHE_WHEELHOUSE = own;
    try {
      const failed = await waitForJob(engine, (await engine.call('doctor.setupTrainerEnv', { force: true })).jobId);
      expect(failed.state).toBe('failed');
      expect(failed.message).toContain(wheel);
      expect(failed.message).toMatch(/do not match the hashes/);
      expect(tinyValue(dataDir)).toBe('1.0');
      const audit = await engine.call('audit.list', { limit: 50 });
      expect(audit.entries.find((e) => e.action === 'settings.trainer_env')?.details).toMatchObject({ outcome: 'failed' });
    } finally {
      process.env.LATHE_WHEELHOUSE = wheelhouse;
    }

    const run = engine.ctx.jobs.start({ kind: 'training.run', label: 'Training demo' });
    await expect(engine.call('doctor.setupTrainerEnv', { force: true })).rejects.toMatchObject({ code: 'ALREADY_RUNNING', message: expect.stringMatching(/"Training demo" runs/) });
    run.finish('done', 'ok');
  }, 120_000);

  it('names the Python versions the wheels need when none on this machine fits, and says what to install', () => {
    expect(wheelPythons(wheelhouse)).toEqual([]);
    expect(() => systemPythonFor(['3.99'], { ...process.env, LATHE_SETUP_PYTHON: '' })).toThrow(/they need CPython 3\.99/);
    try {
      systemPythonFor(['3.99'], { ...process.env, LATHE_SETUP_PYTHON: '' });
    } catch (err) {
      expect((err as { hint: string }).hint).toMatch(/python3\.99 with its venv module/);
    }
    const noEnv = { ...process.env, LATHE_PYTHON: '' };
    expect(() => findPythonEnv(undefined, { ...noEnv, LATHE_WHEELHOUSE: path.join(work, 'nowhere') })).not.toThrow(); // the project's .venv
  });
});
