import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditExport } from '../../src/engine/audit/audit-verify-export.js';
import { startBrowserServer } from '../../src/engine/server/browser-server.js';
import { startE2eSession, type E2eSession } from './session.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RENDERER_DIR = path.join(ROOT, 'renderer', 'dist');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');

/** Every page, what its title says, and whether a fresh data directory shows its empty state. */
const PAGES = [
  { id: 'datasets', title: 'Datasets', empty: true },
  { id: 'models', title: 'Models', empty: true },
  { id: 'train', title: 'Train', empty: true },
  { id: 'runs', title: 'Runs', empty: true },
  { id: 'playground', title: 'Playground', empty: true },
  { id: 'evaluate', title: 'Evaluate', empty: true },
  { id: 'export', title: 'Export', empty: true },
  // The engine records its own start, so the audit log of a fresh data directory is not empty.
  { id: 'audit', title: 'Audit log', empty: false },
] as const;

type Server = Awaited<ReturnType<typeof startBrowserServer>>;

let dataDir: string;
let server: Server;
let session: E2eSession;
let browser: Browser;

beforeAll(async () => {
  session = await startE2eSession('lathe-e2e-');
  ({ dataDir, server, browser } = session);
});

afterAll(async () => {
  await session?.close();
});

/** A page in a fresh context that records console errors (a CSP violation shows up there) and page errors. */
async function openApp(colorScheme: 'light' | 'dark'): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 880 }, colorScheme });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  // Offline product: any request that leaves the server's own origin is a bug.
  const origin = new URL(server.url).origin;
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith('ws://' + new URL(origin).host) && !url.startsWith('data:')) {
      problems.push(`external request: ${url}`);
    }
  });
  const response = await page.goto(server.url);
  expect(response?.status()).toBe(200);
  return { context, page, problems };
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const current = await page.locator('html').getAttribute('data-theme');
  if (current !== theme) await page.getByTestId('theme-toggle').click();
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
}

async function waitForDoctor(page: Page): Promise<string> {
  const device = page.getByTestId('status-device');
  await expect
    .poll(async () => (await device.textContent())?.trim() ?? '', { timeout: 90_000, interval: 250 })
    .not.toMatch(/^(—|Checking…|)$/);
  return (await device.textContent())?.trim() ?? '';
}

describe('browser mode shell', () => {
  it('refuses the app without its token', async () => {
    const base = new URL(server.url);
    const bare = await fetch(`${base.origin}/`);
    expect([401, 403]).toContain(bare.status);
    const wrong = await fetch(`${base.origin}/?token=not-the-token`);
    expect([401, 403]).toContain(wrong.status);
    const asset = await fetch(`${base.origin}/assets/`);
    expect([401, 403]).toContain(asset.status);

    // And a browser that opens the bare address sees the refusal, not the app.
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${base.origin}/`);
    expect([401, 403]).toContain(response?.status());
    expect(await page.getByTestId('nav-datasets').count()).toBe(0);
    await context.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`walks every page in the ${theme} theme`, async () => {
      const { context, page, problems } = await openApp(theme);
      try {
        await setTheme(page, theme);
        const device = await waitForDoctor(page);
        expect(device.length).toBeGreaterThan(0);
        await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
        await expect.poll(() => page.getByTestId('status-database').textContent()).toBe('Database OK');

        for (const p of PAGES) {
          await page.getByTestId(`nav-${p.id}`).click();
          await expect.poll(() => page.url()).toContain(`#/${p.id}`);
          await expect.poll(() => page.getByTestId('page-title').textContent()).toBe(p.title);
          expect(await page.getByTestId(`nav-${p.id}`).getAttribute('aria-current')).toBe('page');
          if (p.empty) {
            await page.getByTestId(`empty-state-${p.id}`).waitFor({ state: 'visible' });
          } else {
            await page.getByTestId('audit-table').waitFor({ state: 'visible' });
          }
          await page.waitForTimeout(250); // let the page-in transition settle before the picture
          await page.screenshot({ path: path.join(ARTIFACTS, `${p.id}-${theme}.png`), fullPage: true });
        }

        // The doctor panel opens from the status bar and lists every check.
        await page.getByTestId('status-bar').click();
        const panel = page.getByTestId('doctor-panel');
        await panel.waitFor({ state: 'visible' });
        await expect.poll(() => panel.locator('[data-testid^="doctor-check-"]').count()).toBeGreaterThan(0);
        await page.waitForTimeout(300);
        await page.screenshot({ path: path.join(ARTIFACTS, `doctor-${theme}.png`), fullPage: true });
        await page.keyboard.press('Escape');
        await panel.waitFor({ state: 'detached' });

        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('reads, verifies and live-updates the audit log', async () => {
    const { context, page, problems } = await openApp('light');
    try {
      await page.getByTestId('nav-audit').click();
      const rows = page.getByTestId('audit-row');
      await expect.poll(() => rows.count()).toBeGreaterThan(0);
      await expect.poll(() => rows.first().textContent()).toContain('app.start');

      await page.getByTestId('audit-verify').click();
      const result = page.getByTestId('audit-verify-result');
      await result.waitFor({ state: 'visible' });
      expect(await result.textContent()).toContain('Chain intact');
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ARTIFACTS, 'audit-verified-light.png'), fullPage: true });

      // An entry appended by the engine appears at the top without a reload.
      const before = await rows.count();
      const audit = server.engine.ctx.audit;
      if (!audit) throw new Error('the test engine has no writable database');
      const entry = audit.append({ actor: 'e2e', action: 'dataset.import', objectType: 'dataset', objectId: 'ds_e2e', details: { rows: 3 } });
      server.engine.ctx.events.emit('audit.appended', entry);
      await expect.poll(() => rows.count()).toBe(before + 1);
      expect(await rows.first().textContent()).toContain('dataset.import');

      // A row opens to its full hashes and details.
      await rows.first().click();
      await expect.poll(() => page.locator('.detail-row').textContent()).toContain('"rows": 3');
      await page.screenshot({ path: path.join(ARTIFACTS, 'audit-live-light.png'), fullPage: true });

      // The filter narrows by action prefix.
      await page.getByTestId('audit-filter').fill('dataset.');
      await expect.poll(() => rows.count()).toBe(1);

      // Families, actor and text filters; then a JSON export of what they match, which verifies on its own.
      await page.getByTestId('audit-family-all').click();
      await expect.poll(() => rows.count()).toBe(before + 1);
      await page.getByTestId('audit-family-imports').click();
      await expect.poll(() => rows.count()).toBe(1);
      await page.getByTestId('audit-family-all').click();
      await page.getByTestId('audit-actor').selectOption('e2e');
      await page.getByTestId('audit-text').fill('ds_e2e');
      await expect.poll(() => rows.count()).toBe(1);
      await page.getByTestId('audit-text').fill('no-such-thing');
      await page.getByTestId('audit-no-match').waitFor();
      await page.getByTestId('audit-text').fill('');
      await page.getByTestId('audit-actor').selectOption('');
      await expect.poll(() => rows.count()).toBe(before + 1);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export-json').click()]);
      const exported = fs.readFileSync(await download.path(), 'utf8');
      expect(verifyAuditExport(exported, 'json')).toMatchObject({ ok: true, complete: true, checked: before + 1 });
      await page.getByTestId('audit-exported').waitFor();
      await page.waitForTimeout(200);
      await page.screenshot({ path: path.join(ARTIFACTS, 'audit-filters-export-light.png'), fullPage: true });

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('speaks the same contract over a MessagePort when an Electron-style bridge is present', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 880 } });
    // Stand-in for electron/preload.ts: expose the bridge, and once the engine answers, post a MessagePort to the
    // page. Here the port is relayed to the browser-mode WebSocket; in Electron, main wires it to the engine host.
    await context.addInitScript((wsUrl: string) => {
      Object.defineProperty(window, 'latheBridge', { value: Object.freeze({ platform: 'electron', version: 'e2e' }) });
      // Like main, which posts after did-finish-load: by then the page's scripts are listening.
      window.addEventListener('load', () => {
        const ws = new WebSocket(wsUrl);
        ws.addEventListener('open', () => {
          const { port1, port2 } = new MessageChannel();
          port1.onmessage = (e) => ws.send(JSON.stringify(e.data));
          ws.addEventListener('message', (e) => port1.postMessage(JSON.parse(String(e.data))));
          window.postMessage('lathe:port', '*', [port2]);
        });
      });
    }, `ws://${new URL(server.url).host}/ws?token=${server.token}`);
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      await page.goto(server.url);
      await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
      await waitForDoctor(page);
      await page.getByTestId('nav-audit').click();
      await expect.poll(() => page.getByTestId('audit-row').count()).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows engine errors as a sentence and a hint, never a stack', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 880 }, colorScheme: 'light' });
    // Between page and engine, answer two requests with error frames as the engine would send them.
    const refusals: Record<string, { code: string; message: string; hint: string }> = {
      'app.info': {
        code: 'INTERNAL',
        message: 'The engine could not read its version file.',
        hint: 'Run `lathe doctor` and include its output in a report.',
      },
      'audit.verify': {
        code: 'DB_READ_ONLY',
        message: 'The audit log cannot be read while the database is being repaired.',
        hint: 'Wait for the repair to finish, then verify again.',
      },
    };
    await context.routeWebSocket(/\/ws/, (ws) => {
      const engine = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(String(message)) as { t: string; id: number; name: string };
        const error = refusals[frame.name];
        if (frame.t === 'req' && error) ws.send(JSON.stringify({ t: 'err', id: frame.id, error }));
        else engine.send(message);
      });
    });
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      const toast = page.locator('.toast');
      await toast.waitFor({ state: 'visible' });
      expect(await toast.textContent()).toContain('The engine could not read its version file.');
      expect(await toast.locator('code').textContent()).toBe('lathe doctor');

      await page.getByTestId('nav-audit').click();
      await page.getByTestId('audit-verify').click();
      const alert = page.getByTestId('error-alert');
      await alert.waitFor({ state: 'visible' });
      const text = (await alert.textContent()) ?? '';
      expect(text).toContain('Could not verify the chain');
      expect(text).toContain('Wait for the repair to finish');
      expect(text).not.toMatch(/\bat .*\.(js|ts):\d+/); // no stack frames
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ARTIFACTS, 'errors-light.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('shows a read-only database in red and says why', async () => {
    const brokenDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lathe-e2e-broken-'));
    fs.writeFileSync(path.join(brokenDir, 'lathe.db'), 'this is not a SQLite database, and never was'.repeat(200));
    const broken = await startBrowserServer({ dataDir: brokenDir, rendererDir: RENDERER_DIR, mode: 'test' });
    const context = await browser.newContext({ viewport: { width: 1360, height: 880 }, colorScheme: 'light' });
    try {
      const page = await context.newPage();
      await page.goto(broken.url);
      const db = page.getByTestId('status-database');
      await expect.poll(() => db.textContent(), { timeout: 30_000 }).toMatch(/^Database read-only: /);
      expect(await db.getAttribute('class')).toContain('is-danger');
      await page.getByTestId('database-banner').waitFor({ state: 'visible' });
      await page.screenshot({ path: path.join(ARTIFACTS, 'database-read-only-light.png'), fullPage: true });
    } finally {
      await context.close();
      await broken.close();
      await fs.promises.rm(brokenDir, { recursive: true, force: true });
    }
  });

  // Last: it replaces the shared server.
  it('says calmly that the engine is gone, then reconnects on its own', async () => {
    const { context, page, problems } = await openApp('light');
    try {
      await page.getByTestId('nav-audit').click();
      await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
      const { port, token } = server;
      await server.close();

      const banner = page.getByTestId('connection-banner');
      await banner.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await banner.textContent()).toContain('Reconnecting to the engine');
      expect(await page.getByTestId('status-connection').textContent()).toBe('Reconnecting…');
      await page.screenshot({ path: path.join(ARTIFACTS, 'reconnecting-light.png'), fullPage: true });

      // The same data directory, port and token: the page's socket address still works.
      server = await startBrowserServer({ dataDir, rendererDir: RENDERER_DIR, mode: 'test', port, token });
      session.server = server;
      await banner.waitFor({ state: 'detached', timeout: 30_000 });
      await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
      // The audit page reloads after a reconnect and shows the second start.
      await expect.poll(() => page.getByTestId('audit-row').filter({ hasText: 'app.start' }).count(), { timeout: 15_000 }).toBeGreaterThan(1);

      // The browser logs the failed socket attempts as errors; nothing else may appear.
      expect(problems.filter((p) => !/WebSocket connection to .* failed/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
