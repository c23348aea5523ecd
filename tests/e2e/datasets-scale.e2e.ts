import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserServer } from '../../src/engine/server/browser-server.js';
import { rowText, shot, waitForDoctor, watchProblems } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * The examples table at scale: a version of a million examples, answered between page and engine so the test
 * measures the table (virtual rows, blocks fetched on demand, keyboard at the far end), not an import.
 */

type Server = Awaited<ReturnType<typeof startBrowserServer>>;

let server: Server;
let session: E2eSession;
let browser: Browser;

beforeAll(async () => {
  session = await startE2eSession('lathe-e2e-scale-');
  ({ server, browser } = session);
});

afterAll(async () => {
  await session?.close();
});

describe('datasets at scale', () => {
  it('pages through a million examples on demand', async () => {
    const TOTAL = 1_000_000;
    const context = await browser.newContext({ viewport: { width: 1360, height: 880 }, colorScheme: 'light' });
    // A million-row version answered from here, so the test measures the table, not an import.
    const requested: Array<{ offset: number; limit: number }> = [];
    const fake = {
      'datasets.list': () => ({
        datasets: [
          {
            id: 'ds-million',
            name: 'meter-readings-1m',
            kind: 'task',
            createdAt: new Date().toISOString(),
            latestVersion: {
              id: 'ver-million',
              number: 1,
              exampleCount: TOTAL,
              contentHash: 'c0ffee'.repeat(10) + 'beef',
              createdAt: new Date().toISOString(),
            },
          },
        ],
      }),
      'datasets.versions': () => ({
        versions: [
          {
            id: 'ver-million',
            number: 1,
            parentId: null,
            contentHash: 'c0ffee'.repeat(10) + 'beef',
            exampleCount: TOTAL,
            operation: 'import',
            params: { file: '/srv/data/meter-readings.jsonl' },
            createdAt: new Date().toISOString(),
            createdBy: 'e2e',
          },
        ],
      }),
      'datasets.examples': (args: { offset: number; limit: number }) => {
        requested.push(args);
        const n = Math.max(0, Math.min(args.limit, TOTAL - args.offset));
        return {
          total: TOTAL,
          examples: Array.from({ length: n }, (_, i) => {
            const p = args.offset + i;
            return {
              position: p,
              contentHash: p.toString(16).padStart(64, '0'),
              source: `meter-readings.jsonl:line ${p + 1}`,
              content: {
                kind: 'chat',
                messages: [
                  { role: 'user', content: `Meter ${p + 1} reads 0 kWh for 3 days. Fault or vacancy?` },
                  { role: 'assistant', content: `Check meter ${p + 1}'s last-gasp event first.` },
                ],
              },
            };
          }),
        };
      },
    } as Record<string, (args: never) => unknown>;
    await context.routeWebSocket(/\/ws/, (ws) => {
      const engine = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(String(message)) as { t: string; id: number; name: string; args: never };
        const answer = frame.t === 'req' ? fake[frame.name] : undefined;
        if (answer) ws.send(JSON.stringify({ t: 'res', id: frame.id, result: answer(frame.args) }));
        else engine.send(message);
      });
    });
    try {
      const page = await context.newPage();
      const problems = watchProblems(page, server.url);
      await page.goto(server.url + '#/datasets/ds-million');
      await expect.poll(() => rowText(page, 1), { timeout: 15_000 }).toContain('Meter 1 reads');
      await waitForDoctor(page); // a quiet machine: the doctor's checks no longer compete for the CPU
      expect(requested.every((r) => r.limit === 500)).toBe(true);
      const viewport = page.getByTestId('examples-viewport');
      // One scroll holds all of it (no windows needed in Chromium at 32 px a row).
      expect(await page.getByTestId('examples-window').count()).toBe(0);
      expect(await viewport.evaluate((el) => el.scrollHeight)).toBeGreaterThan(TOTAL * 32);

      // A fling through the middle, then the very end: only the blocks it stops on are fetched.
      const before = requested.length;
      const started = Date.now();
      await viewport.evaluate(async (el) => {
        for (let i = 1; i <= 40; i++) {
          el.scrollTop = (el.scrollHeight * i) / 50;
          await new Promise((r) => requestAnimationFrame(() => r(null)));
        }
        el.scrollTop = el.scrollHeight;
      });
      await expect.poll(() => rowText(page, TOTAL)).toContain(`line ${TOTAL}`);
      const settledMs = Date.now() - started;
      const fetched = requested.length - before;
      expect(fetched).toBeLessThan(20); // not the 2,000 blocks it crossed
      expect(await page.getByTestId('example-row').count()).toBeLessThan(60);

      // Keyboard at the far end: End selects the last row, ↑ walks back, Enter opens it.
      await page.locator(`[data-testid="example-row"][data-position="${TOTAL - 3}"]`).click();
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowUp');
      await expect.poll(() => page.getByTestId('example-panel-position').textContent()).toBe((TOTAL - 1).toLocaleString('en'));
      await shot(page, 'datasets-million-light');
      console.log(`million rows: ${fetched} blocks fetched for a 40-step fling, last row on screen after ${settledMs} ms`);

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
