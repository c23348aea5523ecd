import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, ROOT, openApp } from './datasets-page.js';
import { startLongHash, type LongJob } from './long-job.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * The jobs indicator and drawer against a real long job (a 256 GiB sparse GGUF being hashed by the engine): its
 * progress, elapsed time and ETA survive a page navigation and a full reload (state from jobs.list), and Cancel in
 * the drawer stops it. Pictures of the drawer at 1440×900 and 1024×700 in both themes: test-artifacts/e2e/jobs-*.png.
 */
let s: E2eSession;
const jobs: LongJob[] = [];

beforeAll(async () => {
  s = await startE2eSession('lathe-e2e-jobs-');
});
afterAll(async () => {
  for (const j of jobs) {
    await s?.server.engine.call('jobs.cancel', { jobId: j.jobId }).catch(() => undefined);
    await j.ended;
    j.cleanUp();
  }
  await s?.close();
});

const running = (page: Page, jobId: string) => page.locator(`[data-testid="job-running"][data-job-id="${jobId}"]`);
const percentOf = async (page: Page, jobId: string) => Number(((await running(page, jobId).getByTestId('job-percent').textContent()) ?? '').replace('%', '') || 0);
/** Seconds in "3 min 12 s elapsed" / "12 s elapsed". */
const elapsedOf = async (page: Page, jobId: string) => {
  const text = (await running(page, jobId).getByTestId('job-elapsed').textContent()) ?? '';
  const m = /(?:(\d+) min)?\s*(?:(\d+) s)?/.exec(text.replace(' elapsed', ''))!;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
};

async function openDrawer(page: Page): Promise<void> {
  await page.getByTestId('status-jobs').click();
  await page.getByTestId('jobs-drawer').waitFor({ state: 'visible' });
}

async function closeDrawer(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.getByTestId('jobs-drawer').waitFor({ state: 'detached' });
}

describe('jobs drawer', () => {
  it('keeps a running job in sight across a navigation and a full reload, and cancels it from the drawer', async () => {
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/models');
    try {
      await expect.poll(() => page.getByTestId('status-jobs').textContent()).toBe('Jobs');
      const job = startLongHash(s.server.engine, 'e2e-long-hash');
      jobs.push(job);
      const startedAt = Date.now();

      // The status bar counts it as soon as its first progress arrives.
      await expect.poll(() => page.getByTestId('status-jobs').textContent()).toMatch(/^1 job running · \d+%$/);
      await openDrawer(page);
      await running(page, job.jobId).waitFor({ state: 'visible' });
      await expect.poll(() => running(page, job.jobId).getByTestId('job-message').textContent()).toMatch(/Hashing grid-forecaster-256g\.gguf/);
      // An ETA appears once a few seconds of throughput are measured, never before.
      await expect.poll(() => running(page, job.jobId).getByTestId('job-eta').textContent(), { timeout: 20_000 }).toMatch(/left$/);
      const before = await percentOf(page, job.jobId);
      await closeDrawer(page);

      // Another page: the indicator and the drawer carry on.
      await page.locator('a[href="#/runs"]').first().click();
      await expect.poll(() => page.getByTestId('page-title').textContent()).toBe('Runs');
      await expect.poll(() => page.getByTestId('status-jobs').textContent()).toMatch(/^1 job running · \d+%$/);
      await openDrawer(page);
      // One percent of 256 GiB is 2.6 GiB of hashing: seconds on an idle machine, longer on a busy CI runner.
      await expect.poll(() => percentOf(page, job.jobId), { timeout: 60_000 }).toBeGreaterThan(before);
      const afterNavigation = await percentOf(page, job.jobId);
      await closeDrawer(page);

      // A full reload: nothing survives in the page, so what shows comes from jobs.list, with the engine's start time.
      await page.reload();
      await expect.poll(() => page.getByTestId('status-connection').textContent()).toBe('Connected');
      await expect.poll(() => page.getByTestId('status-jobs').textContent()).toMatch(/^1 job running · \d+%$/);
      await openDrawer(page);
      await running(page, job.jobId).waitFor({ state: 'visible' });
      expect(await percentOf(page, job.jobId)).toBeGreaterThanOrEqual(afterNavigation);
      const sinceStart = Math.floor((Date.now() - startedAt) / 1000);
      expect(await elapsedOf(page, job.jobId)).toBeGreaterThanOrEqual(sinceStart - 3);
      await expect.poll(() => running(page, job.jobId).getByTestId('job-eta').textContent(), { timeout: 20_000 }).toMatch(/left$/);

      // Cancel from the drawer: the engine stops hashing, registers nothing, and the drawer says how long it ran.
      await running(page, job.jobId).getByTestId('job-cancel').click();
      expect(await job.ended).toMatchObject({ code: 'CANCELLED' });
      const finished = page.locator(`[data-testid="job-finished"][data-job-id="${job.jobId}"]`);
      await finished.waitFor({ state: 'visible' });
      expect(await finished.getAttribute('data-state')).toBe('cancelled');
      await expect.poll(() => finished.getByTestId('job-duration').textContent()).toMatch(/^Cancelled after ((\d+ min )?\d+ s|under a second)$/);
      await expect.poll(() => running(page, job.jobId).count()).toBe(0);
      await expect.poll(() => page.getByTestId('status-jobs').textContent()).toBe('Jobs');
      expect((await s.server.engine.call('models.list', {})).models).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('looks right at 1440×900 and 1024×700 in both themes', async () => {
    // A finished import next to the cancelled job, and a running one for the bar, the ETA and Cancel.
    await s.server.engine.call('datasets.import', { path: path.join(ROOT, 'resources/samples/northwind-qa.jsonl'), datasetName: 'Northwind operations Q&A' });
    const job = startLongHash(s.server.engine, 'e2e-long-hash-2');
    jobs.push(job);
    for (const theme of ['light', 'dark'] as const) {
      const { context, page, problems } = await openApp(s.browser, s.server.url, theme, '#/export');
      try {
        await page.emulateMedia({ reducedMotion: 'reduce' });
        for (const size of [{ width: 1440, height: 900 }, { width: 1024, height: 700 }]) {
          await page.setViewportSize(size);
          await openDrawer(page);
          await expect.poll(() => running(page, job.jobId).getByTestId('job-eta').count(), { timeout: 20_000 }).toBe(1);
          // The drawer fits its window: nothing spills sideways.
          expect(await page.getByTestId('jobs-drawer').evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
          await page.waitForTimeout(300);
          await page.screenshot({ path: path.join(ARTIFACTS, `jobs-drawer-${size.width}x${size.height}-${theme}.png`) });
          await closeDrawer(page);
          await page.screenshot({ path: path.join(ARTIFACTS, `jobs-statusbar-${size.width}x${size.height}-${theme}.png`), clip: { x: 0, y: size.height - 40, width: size.width, height: 40 } });
        }
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    }
    await s.server.engine.call('jobs.cancel', { jobId: job.jobId });
    expect(await job.ended).toMatchObject({ code: 'CANCELLED' });
  });
});
