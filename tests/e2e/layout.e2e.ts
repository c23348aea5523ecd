import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { ARTIFACTS, ROOT, waitForDoctor, watchProblems } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Every page at a small laptop (1024×700) and a desktop (1440×900) with some data present: the page never scrolls
 * sideways, nothing is cut off by a clipping box, the sidebar is an icon rail at 1024 and full at 1440 (and its
 * toggle is remembered), the lineage focus stays in view beside its facts panel, and per-item eval tables wrap at
 * spaces only. Screenshots: test-artifacts/e2e/layout-<page>-<w>x<h>.png.
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
/** The two window sizes, and the small one again with the rail expanded by the user (the tightest main column). */
const SIZES = [
  { width: 1024, height: 700, railOpen: false },
  { width: 1440, height: 900, railOpen: false },
  { width: 1024, height: 700, railOpen: true },
] as const;

let s: E2eSession;
let datasetId = '';
let evalId = '';
let releaseId = '';

beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-layout-');
  // Cheap seeding: the sample dataset, a split, the tiny model, and one short eval on four items.
  const engine = s.server.engine;
  const model = registerGguf(engine, TINY_GGUF, 'northwind-assistant · Q8_0');
  const imported = await engine.call('datasets.import', { path: path.join(ROOT, 'resources/samples/northwind-qa.jsonl'), datasetName: 'Northwind operations Q&A' });
  datasetId = imported.datasetId;
  const split = await engine.call('datasets.curate', { versionId: imported.versionId, operation: { op: 'split', seed: 0, validation: 0, test: 0.2 } });
  const ev = await engine.call('evals.start', { modelId: model.id, datasetVersionId: split.version.id, split: 'test', maxTokens: 12, limit: 4 });
  evalId = ev.id;
  // A release makes the deepest lineage (release ← eval ← model, split ← import): its focus is the last column.
  await engine.call('gate.set', { criteria: [{ kind: 'min-score', metric: 'f1', points: 0 }] });
  const released = await engine.call('gate.release', { meaning: 'Approved for release', candidate: { modelId: model.id, adapterIds: [] }, baseline: { modelId: model.id, adapterIds: [] } });
  releaseId = released.release.id;
});
afterAll(async () => s?.close());

interface PageCase {
  name: string;
  hash: string;
  title: string;
  /** Waits until the page shows its data, and opens what the picture should show. */
  ready?: (page: Page) => Promise<void>;
}

const CASES: PageCase[] = [
  { name: 'datasets', hash: '#/datasets', title: 'Datasets', ready: (p) => p.getByTestId('datasets-count').waitFor() },
  { name: 'dataset-detail', hash: '', title: 'Northwind operations Q&A', ready: (p) => p.getByTestId('curate-toolbar').waitFor() },
  { name: 'generate', hash: '#/generate', title: 'Generate training data' },
  { name: 'models', hash: '#/models', title: 'Models' },
  { name: 'train', hash: '#/train', title: 'Train' },
  { name: 'runs', hash: '#/runs', title: 'Runs' },
  { name: 'playground', hash: '#/playground', title: 'Playground' },
  {
    name: 'evaluate',
    hash: '#/evaluate',
    title: 'Evaluate',
    ready: async (p) => {
      await p.getByTestId('ev-row').first().waitFor();
      await p.getByTestId('ev-row').first().locator('.ev-link').click();
      await expect.poll(() => p.getByTestId('ev-items').locator('tbody tr').count()).toBe(4);
      await p.getByTestId('ev-items').evaluate((t) => t.closest('.ev-scroll')?.scrollIntoView({ block: 'center' }));
    },
  },
  { name: 'export', hash: '#/export', title: 'Export' },
  { name: 'lineage', hash: '', title: 'Lineage', ready: (p) => p.getByTestId('lineage-facts').waitFor() },
  { name: 'lineage-release', hash: '', title: 'Lineage', ready: (p) => p.locator('.lineage-card.is-focus.is-release').waitFor() },
  { name: 'audit', hash: '#/audit', title: 'Audit log', ready: async (p) => void (await expect.poll(() => p.getByTestId('audit-row').count()).toBeGreaterThan(3)) },
];

function hashOf(c: PageCase): string {
  if (c.name === 'dataset-detail') return `#/datasets/${datasetId}`;
  if (c.name === 'lineage') return `#/lineage/eval/${evalId}`;
  if (c.name === 'lineage-release') return `#/lineage/release/${releaseId}`;
  return c.hash;
}

/** Anything wider than the window, or cut off by a box that clips instead of scrolling or ending in an ellipsis. */
async function overflowProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.scrollingElement!;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`document scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
    const main = document.querySelector<HTMLElement>('.main')!;
    if (main.scrollWidth > main.clientWidth + 1) out.push(`.main scrolls sideways: ${main.scrollWidth} > ${main.clientWidth}`);
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[data-testid=${el.getAttribute('data-testid')}]` : ''}.${[...el.classList].join('.')}`;
    const mainRight = main.getBoundingClientRect().right;
    for (const el of main.querySelectorAll<HTMLElement>('*')) {
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden' || el.closest('[aria-hidden="true"]')) continue;
      // Text for screen readers only (base.css): clipped to 1 px on purpose.
      if (el.classList.contains('visually-hidden')) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      // A clipping box whose content is wider than itself hides something (an ellipsis says so on purpose).
      const clips = style.overflowX === 'hidden' || style.overflowX === 'clip';
      if (clips && el.scrollWidth > el.clientWidth + 1 && style.textOverflow !== 'ellipsis') {
        out.push(`${describe(el)} clips ${el.scrollWidth - el.clientWidth}px`);
      }
      // A control that runs past the right edge of the main column (and is not inside a sideways scroller).
      if ((el.tagName === 'BUTTON' || el.tagName === 'A' || el.tagName === 'INPUT' || el.tagName === 'SELECT') && rect.right > mainRight + 1) {
        let scroller: HTMLElement | null = el.parentElement;
        while (scroller && scroller !== main && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
        if (!scroller || scroller === main) out.push(`${describe(el)} ends ${Math.round(rect.right - mainRight)}px past the main column`);
      }
    }
    return out;
  });
}

/** Words in the per-item eval table that the browser broke across two lines. */
async function brokenWords(page: Page): Promise<string[]> {
  return page.getByTestId('ev-items').evaluate((table) => {
    const out: string[] = [];
    const walker = document.createTreeWalker(table.querySelector('tbody')!, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      // Spaces and hyphens are where a line may break; a break anywhere else in a short word is a bug.
      for (const m of text.matchAll(/[^\s\-–—]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1 && m[0].length < 30) out.push(m[0]);
      }
    }
    return out;
  });
}

describe('layout at 1024×700 and 1440×900', () => {
  for (const { width, height, railOpen } of SIZES) {
    const suffix = `${width}x${height}${railOpen ? '-sidebar-open' : ''}`;
    it(`fits every page at ${width}×${height}${railOpen ? ' with the sidebar expanded' : ''}`, async () => {
      const context = await s.browser.newContext({ viewport: { width, height }, colorScheme: 'light' });
      if (railOpen) await context.addInitScript(() => window.localStorage.setItem('lathe.sidebar', JSON.stringify({ narrow: 'expanded' })));
      const page = await context.newPage();
      const problems = watchProblems(page, s.server.url);
      try {
        await page.goto(s.server.url + '#/datasets');
        await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
        await waitForDoctor(page);

        // The sidebar: an icon rail below 1200 px, full above; the links keep their names either way.
        const sidebar = page.getByTestId('sidebar');
        const rail = width < 1200 && !railOpen;
        expect(await sidebar.getAttribute('data-collapsed')).toBe(rail ? 'true' : 'false');
        const sidebarWidth = (await sidebar.boundingBox())!.width;
        if (rail) expect(sidebarWidth).toBeLessThan(80);
        else expect(sidebarWidth).toBeGreaterThan(200);
        expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(1);
        expect(await page.getByTestId('nav-audit').getAttribute('title')).toBe(rail ? 'Audit log' : null);

        const failures: string[] = [];
        for (const c of CASES) {
          await page.evaluate((h) => (window.location.hash = h), hashOf(c));
          await expect.poll(() => page.getByTestId('page-title').first().textContent()).toBe(c.title);
          await c.ready?.(page);
          await page.waitForTimeout(350); // the page-in transition
          for (const p of await overflowProblems(page)) failures.push(`${c.name}: ${p}`);

          if (c.name.startsWith('lineage')) {
            // The focus card is fully visible: inside the graph's visible box, and clear of the facts panel.
            const box = await page.evaluate(() => {
              const r = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
              return { focus: r('.lineage-card.is-focus'), graph: r('[data-testid="lineage-graph"]'), facts: r('[data-testid="lineage-facts"]') };
            });
            const inside = box.focus.left >= box.graph.left - 1 && box.focus.right <= box.graph.right + 1;
            const overlapsFacts = box.focus.right > box.facts.left && box.focus.left < box.facts.right && box.focus.bottom > box.facts.top && box.focus.top < box.facts.bottom;
            if (!inside || overlapsFacts) failures.push(`lineage: the focus card is hidden (${JSON.stringify(box)})`);
          }
          if (c.name === 'evaluate') {
            for (const w of await brokenWords(page)) failures.push(`evaluate: "${w}" is broken mid-word`);
          }
          if (c.name === 'dataset-detail') {
            // Every curate button on screen, whole.
            const cut = await page.getByTestId('curate-toolbar').evaluate((bar) => {
              const main = document.querySelector('.main')!.getBoundingClientRect();
              return [...bar.querySelectorAll('button')].filter((b) => b.getBoundingClientRect().right > main.right || b.getBoundingClientRect().left < main.left).map((b) => b.textContent);
            });
            if (cut.length) failures.push(`dataset-detail: curate buttons cut off: ${cut.join(', ')}`);
          }
          await page.screenshot({ path: path.join(ARTIFACTS, `layout-${c.name}-${suffix}.png`) });
        }
        expect(failures).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('remembers the sidebar toggle across reloads, per window size', async () => {
    const context = await s.browser.newContext({ viewport: { width: 1024, height: 700 }, colorScheme: 'light' });
    const page = await context.newPage();
    try {
      await page.goto(s.server.url + '#/datasets');
      const sidebar = page.getByTestId('sidebar');
      await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('true');
      const toggle = page.getByTestId('sidebar-toggle');
      expect(await toggle.getAttribute('aria-label')).toBe('Expand sidebar');
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      await toggle.click();
      await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('false');
      expect(await toggle.getAttribute('aria-label')).toBe('Collapse sidebar');
      // Expanded at 1024 the page still fits.
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => document.querySelector('.main')!.scrollWidth <= document.querySelector('.main')!.clientWidth + 1)).toBe(true);
      await page.screenshot({ path: path.join(ARTIFACTS, 'layout-sidebar-expanded-1024x700.png') });

      await page.reload();
      await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 15_000 }).toBe('Connected');
      expect(await page.getByTestId('sidebar').getAttribute('data-collapsed')).toBe('false');

      // A wide window keeps its own default until the user chooses there too.
      await page.setViewportSize({ width: 1440, height: 900 });
      await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('false');
      await toggle.click();
      await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('true');
      await page.reload();
      await expect.poll(() => page.getByTestId('sidebar').getAttribute('data-collapsed')).toBe('true');
      await page.setViewportSize({ width: 1024, height: 700 });
      await expect.poll(() => page.getByTestId('sidebar').getAttribute('data-collapsed')).toBe('false');
    } finally {
      await context.close();
    }
  });
});
