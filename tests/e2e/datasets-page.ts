import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Helpers the dataset e2e specs share: open the app, watch for problems, take pictures, drive the wizard and the table. */

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const RENDERER_DIR = path.join(ROOT, 'renderer', 'dist');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');

export async function openApp(
  browser: Browser,
  serverUrl: string,
  colorScheme: 'light' | 'dark',
  hash = '#/datasets',
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 880 }, colorScheme });
  const page = await context.newPage();
  const problems = watchProblems(page, serverUrl);
  const response = await page.goto(serverUrl + hash);
  expect(response?.status()).toBe(200);
  await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(colorScheme);
  await waitForDoctor(page);
  return { context, page, problems };
}

/** The status bar is in every picture: let the doctor finish first. */
export async function waitForDoctor(page: Page): Promise<void> {
  await expect
    .poll(async () => (await page.getByTestId('status-device').textContent())?.trim() ?? '', { timeout: 90_000, interval: 250 })
    .not.toMatch(/^(—|Checking…|)$/);
}

/** Console errors (a CSP violation shows up there), page errors, and any request that leaves the server. */
export function watchProblems(page: Page, serverUrl: string): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  const origin = new URL(serverUrl).origin;
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith('ws://' + new URL(origin).host) && !url.startsWith('data:')) {
      problems.push(`external request: ${url}`);
    }
  });
  return problems;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300); // let transitions settle before the picture
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The whole page: the shell scrolls inside .main, so grow the viewport to its content for the picture. */
export async function mainShot(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1360, height: 880 };
  const height = await page.evaluate(() => {
    const main = document.querySelector('.main');
    main?.scrollTo(0, 0);
    return (main?.scrollHeight ?? 0) + 28;
  });
  await page.setViewportSize({ width: viewport.width, height: Math.min(3000, Math.max(viewport.height, height)) });
  await shot(page, name);
  await page.setViewportSize(viewport);
}

/** Type a path, press Enter to detect, and wait for the preview. */
export async function detect(page: Page, file: string): Promise<void> {
  const input = page.getByTestId('import-path');
  await input.fill(file);
  await input.press('Enter');
  await page.getByTestId('detect-summary').waitFor({ state: 'visible' });
  await expect.poll(() => page.getByTestId('detect-summary').getAttribute('aria-busy')).toBe('false');
}

/** Scroll the wizard so the detection card and the preview under it fill the picture. */
export async function showPreview(page: Page): Promise<void> {
  await page.locator('.modal-body').evaluate((body) => {
    const card = body.querySelector<HTMLElement>('[data-testid="detect-summary"]');
    if (card) body.scrollTop = card.getBoundingClientRect().top - body.getBoundingClientRect().top + body.scrollTop - 16;
  });
}

/** The text of the examples-table row at a 1-based position, or '' while it is off screen or still loading. */
export async function rowText(page: Page, position: number): Promise<string> {
  const row = page.locator(`[data-testid="example-row"][data-position="${position}"]`);
  if ((await row.count()) === 0) return '';
  if ((await row.getAttribute('class'))?.includes('is-loading')) return '';
  return (await row.textContent()) ?? '';
}
