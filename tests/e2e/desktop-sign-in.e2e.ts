import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRequireSignIn } from '../../src/engine/auth/desktop-sign-in.js';
import { openDesktopEngine, type DesktopLink } from '../../src/engine/host/desktop-link.js';
import { launchChromium } from './browser.js';
import { RENDERER_DIR, mainShot } from './datasets-page.js';
import { expectShell, realProblems, signIn, teamDataDir } from './team-page.js';

/**
 * The desktop app with "require sign-in" on (`lathe users require-sign-in on`), as far as it can run here: the engine
 * host's side is real (openDesktopEngine serving team mode on loopback, real SQLite), the page is the real renderer in
 * Chromium, and Electron's preload — which cannot run without the Electron binary — is simulated by defining the
 * bridge object it exposes (`latheBridge` with `link: 'server'`, as electron/preload.ts does for that window).
 */
const ADA = 'ada at the shared bench 4';
let dataDir: string;
let link: DesktopLink;
let browser: Browser;

beforeAll(async () => {
  dataDir = await teamDataDir('lathe-e2e-desktop-', [['ada', 'admin', ADA]], (db) => setRequireSignIn(db, true, 'operator'));
  link = await openDesktopEngine({ dataDir, rendererDir: RENDERER_DIR });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await link?.close();
  if (dataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
});

/** A window whose preload said how it reaches the engine (simulated: the Electron binary is not available here). */
async function desktopWindow(linkKind: 'port' | 'server') {
  const context = await browser.newContext({ viewport: { width: 1360, height: 880 }, colorScheme: 'light' });
  await context.addInitScript((kind) => {
    Object.defineProperty(window, 'latheBridge', { value: Object.freeze({ platform: 'electron', version: 'e2e', link: kind }), configurable: false });
  }, linkKind);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  return { context, page, problems };
}

describe('desktop app with "require sign-in" (Electron preload simulated in Chromium)', () => {
  it('the window shows the sign-in page, and the app opens as the signed-in user', async () => {
    if (link.kind !== 'server') throw new Error('require-sign-in is on: the engine should serve the sign-in page');
    const { context, page, problems } = await desktopWindow('server');
    try {
      await page.goto(link.url);
      await page.getByTestId('signin-page').waitFor({ state: 'visible' });
      expect(await page.getByTestId('sidebar').count()).toBe(0);
      await mainShot(page, 'desktop-sign-in-light');
      await signIn(page, 'ada', ADA);
      await expectShell(page, 'ada · admin');
      // Everything the app does now is ada's, in the audit log too.
      await page.getByTestId('sign-out').waitFor({ state: 'visible' });
      const entries = await link.engine.call('audit.list', { actionPrefix: 'auth.', limit: 5 });
      expect(entries.entries.some((e) => e.actor === 'ada' && e.action === 'auth.login')).toBe(true);
      expect(realProblems(problems)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a window told it has a MessagePort does not try to sign in over HTTP (it waits for the port main sends)', async () => {
    const { context, page } = await desktopWindow('port');
    try {
      await page.goto(link.kind === 'server' ? link.url : 'about:blank');
      await page.waitForTimeout(1_500);
      expect(await page.getByTestId('signin-page').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
