import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWheelhouse, projectPython } from '../../src/engine/training/wheelhouse.test-support.js';
import { ARTIFACTS, openApp } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Doctor's "Trainer environment" in an app that carries a wheelhouse (as the desktop installers do): a changed
 * wheel is refused by name and the section offers to try again; with the wheels intact it is set up (real venv, real
 * pip with --no-index and --require-hashes) and reads "Ready". The wheelhouse is one small wheel built here; the
 * 4 GB one is installed by the offline-bundle test through the same Python code.
 */
let s: E2eSession;
let wheelhouse: string;
let tampered: string;
const saved = { wheelhouse: process.env.LATHE_WHEELHOUSE, setupPython: process.env.LATHE_SETUP_PYTHON };

beforeAll(async () => {
  s = await startE2eSession('lathe-e2e-trainer-env-');
  wheelhouse = path.join(s.dataDir, '..', `${path.basename(s.dataDir)}-wheelhouse`);
  buildWheelhouse(wheelhouse);
  tampered = `${wheelhouse}-tampered`;
  fs.cpSync(wheelhouse, tampered, { recursive: true });
  const wheel = fs.readdirSync(tampered).find((f) => f.endsWith('.whl'))!;
  fs.appendFileSync(path.join(tampered, wheel), 'x');
  process.env.LATHE_SETUP_PYTHON = projectPython;
});
afterAll(async () => {
  for (const [key, value] of [['LATHE_WHEELHOUSE', saved.wheelhouse], ['LATHE_SETUP_PYTHON', saved.setupPython]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await s?.close();
  for (const dir of [wheelhouse, tampered]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('trainer environment from the bundled wheels', () => {
  it('refuses a changed wheel by name, then sets the environment up and reads Ready', async () => {
    process.env.LATHE_WHEELHOUSE = tampered;
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/datasets');
    try {
      await page.getByTestId('status-bar').click();
      const section = page.getByTestId('doctor-panel').getByTestId('trainer-env');
      await section.waitFor({ state: 'visible' });
      expect(await section.getByTestId('trainer-env-state').textContent()).toBe('Not set up yet');
      expect(await section.locator('code.path').textContent()).toBe(path.join(s.dataDir, 'python-env'));

      await section.getByTestId('trainer-env-setup').click();
      const alert = section.getByTestId('error-alert');
      await alert.waitFor({ state: 'visible', timeout: 60_000 });
      expect(await alert.textContent()).toMatch(/lathe_tinypkg-1\.0-py3-none-any\.whl/);
      expect(await alert.textContent()).toMatch(/do not match the hashes/);
      expect(await section.getByTestId('trainer-env-setup').textContent()).toBe('Try again');
      expect(fs.existsSync(path.join(s.dataDir, 'python-env'))).toBe(false);
      await section.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'doctor-trainer-env-failed.png') });

      process.env.LATHE_WHEELHOUSE = wheelhouse; // the wheels copied again from the installer
      await section.getByTestId('trainer-env-setup').click();
      await expect.poll(() => section.getByTestId('trainer-env-state').textContent(), { timeout: 60_000 }).toMatch(/^Ready/);
      await expect.poll(() => section.getByTestId('error-alert').count()).toBe(0);
      expect(await section.getByTestId('trainer-env-setup').textContent()).toBe('Rebuild');
      expect(fs.existsSync(path.join(s.dataDir, 'python-env', '.lathe-lock'))).toBe(true);
      // The engine runs its doctor again on the new environment and every window hears it: this one's torch check now
      // reads that environment (the test's wheelhouse has no torch), with the way to repair it for this install.
      const torch = page.getByTestId('doctor-panel').getByTestId('doctor-check-torch');
      await expect.poll(() => torch.textContent(), { timeout: 90_000 }).toMatch(/not installed.*Set up the trainer's environment/);
      await page.waitForTimeout(300);
      await section.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'doctor-trainer-env.png') });

      // The audit log has both attempts.
      const entries = (await s.server.engine.call('audit.list', { limit: 50 })).entries.filter((e) => e.action === 'settings.trainer_env');
      expect(entries.map((e) => (e.details as { outcome: string }).outcome).sort()).toEqual(['created', 'failed']);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
