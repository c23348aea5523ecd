import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slurmAvailable, startTestSlurm, type TestSlurm } from '../../src/engine/compute/slurm.test-support.js';
import { findPythonEnv } from '../../src/engine/training/python-env.js';
import { ROOT, openApp, mainShot as shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Issue 18 from the UI: an administrator adds this machine's Slurm cluster on the Compute page (the real one-node
 * Slurm the test starts: slurmctld, slurmd, munged), the page tests it and shows the partition, and a run launched
 * from the Train page with "Where: cluster" is submitted with sbatch, shows its Slurm state and live curves on its
 * page, and lands its adapter in the registry after the files came back verified by sha256.
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
const TINY_HF = path.join(path.dirname(TINY_GGUF), 'hf');
const enabled = slurmAvailable() || !!process.env.CI;

let slurm: TestSlurm;
let s: E2eSession;
let modelId = '';

beforeAll(async () => {
  if (!enabled) return;
  slurm = await startTestSlurm();
  // The site's Slurm configuration reaches sbatch/squeue/scancel through the engine's environment, as on a login node.
  process.env.SLURM_CONF = slurm.confPath;
  s = await startE2eSession('lathe-e2e-compute-');
  await s.server.engine.call('datasets.import', { path: path.join(ROOT, 'resources/samples/northwind-qa.jsonl'), datasetName: 'northwind-qa' });
  modelId = (await s.server.engine.call('models.import', { path: TINY_HF, name: 'tiny-llama' })).model.id;
}, 180_000);

afterAll(async () => {
  if (s) {
    const { runs } = await s.server.engine.call('runs.list', {});
    for (const r of runs) if (r.status === 'running' || r.status === 'queued') await s.server.engine.call('runs.stop', { runId: r.id }).catch(() => undefined);
    await s.close();
  }
  await slurm?.stop();
  delete process.env.SLURM_CONF;
});

const status = (page: Page) => page.getByTestId('run-detail').getByTestId('run-status').getAttribute('data-status');
const points = async (page: Page) => Number((await page.getByTestId('chart-loss').getAttribute('data-points')) ?? 0);

describe.skipIf(!enabled)('compute targets in the UI (a real one-node Slurm)', () => {
  it('adds and tests the cluster on the Compute page, trains there from the Train page with live curves, and registers the verified adapter', async () => {
    const workDir = fs.mkdtempSync(path.join(slurm.sharedDir, 'lathe-'));
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/compute');
    try {
      // The Compute page: this machine, then the add form (browser mode: the local user may do everything).
      await page.getByTestId('compute-target-local').waitFor({ state: 'visible' });
      await page.getByTestId('compute-add-kind-slurm').click();
      await page.getByTestId('compute-add-name').fill('cluster');
      await page.getByTestId('compute-add-python').fill(findPythonEnv().python);
      await page.getByTestId('compute-add-workDir').fill(workDir);
      await page.getByTestId('compute-add-partition').fill(slurm.partition);
      await page.getByTestId('compute-add-cpusPerTask').fill('1');
      await page.getByTestId('compute-add-timeLimit').fill('30:00');
      await shot(page, 'compute-add-slurm');
      await page.getByTestId('compute-add-submit').click();
      // Added, then tested at once: the trainer installed on the shared folder and sinfo's view of the partition.
      await expect.poll(() => page.getByTestId('compute-health-cluster').textContent(), { timeout: 120_000, interval: 500 }).toMatch(new RegExp(`partition ${slurm.partition}: 1 node \\(1 idle\\), ${slurm.cpus} CPUs, no GPUs each`));
      expect(fs.existsSync(path.join(workDir, 'trainer', 'lathe_trainer', 'remote.py'))).toBe(true);
      await shot(page, 'compute-targets');

      // The Train page: "Where" lists this machine and the cluster with its health.
      await page.evaluate(() => (window.location.hash = '#/train'));
      await page.getByTestId('train-form').waitFor({ state: 'visible' });
      await page.getByTestId('train-base-model').selectOption(modelId);
      await page.getByTestId('train-name').fill('on the cluster');
      await page.getByTestId('train-advanced-toggle').click();
      for (const [key, value] of Object.entries({ maxSteps: '400', lr: '0.01', loraRank: '4', maxSeqLen: '128', microBatchSize: '2', checkpointEvery: '100' })) await page.getByTestId(`train-field-${key}`).fill(value);
      await page.getByTestId('train-field-device').selectOption('cpu');
      await page.getByTestId('train-target-cluster').click();
      expect(await page.getByTestId('train-target-cluster').getAttribute('aria-checked')).toBe('true');
      await expect.poll(() => page.getByTestId('train-launch').isEnabled(), { timeout: 30_000 }).toBe(true);
      expect(await page.getByTestId('train-launch-reason').textContent()).toBe('400 steps on cluster');
      await shot(page, 'train-where-cluster');
      await page.getByTestId('train-launch').click();
      await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 30_000 }).toMatch(/^#\/runs\/[\w-]+$/);
      const runId = (await page.evaluate(() => window.location.hash)).split('/')[2]!;

      // Its page: where it runs, Slurm's word on it, and the loss curve growing while it trains.
      expect(await page.getByTestId('run-target').textContent()).toBe('cluster');
      await expect.poll(() => page.getByTestId('run-target-state').textContent().catch(() => ''), { timeout: 60_000, interval: 300 }).toMatch(/Submitted to Slurm as job \d+|Slurm job \d+ runs on|Copied to this machine/);
      await expect.poll(() => points(page).catch(() => 0), { timeout: 120_000, interval: 300 }).toBeGreaterThan(0);
      const seen = await points(page);
      expect(await status(page)).toBe('running');
      await shot(page, 'run-on-cluster-live');
      await expect.poll(() => status(page), { timeout: 240_000, interval: 500 }).toBe('completed');
      expect(await points(page)).toBeGreaterThan(seen);

      // The adapter came back verified and is in the registry, hashed.
      const run = await s.server.engine.call('runs.get', { runId });
      const kinds = run.events.map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['staged', 'launched', 'fetched', 'adapter_registered']));
      expect(run.events.find((e) => e.kind === 'fetched')!.message).toMatch(/verified it by sha256/);
      const { models } = await s.server.engine.call('models.list', {});
      const adapter = models.find((m) => m.path.startsWith(path.join(run.outputDir, 'adapter')));
      expect(adapter?.sha256).toMatch(/^[0-9a-f]{64}$/);
      await shot(page, 'run-on-cluster-completed');

      // The Runs list says where it ran.
      await page.evaluate(() => (window.location.hash = '#/runs'));
      await expect.poll(() => page.getByTestId('run-list-target').first().textContent(), { timeout: 10_000 }).toMatch(/on cluster/);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 480_000);
});
