import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestLora } from '../../src/engine/inference/test-lora.js';
import { importChatDataset, registerGguf } from '../../src/engine/playground/playground-kit.js';
import { ARTIFACTS, openApp, shot } from './datasets-page.js';
import { startE2eSession, type E2eSession } from './session.js';

/**
 * Playground in browser mode: empty state, then the tiny GGUF base and base + a GGUF LoRA side by side with real
 * llama.cpp streaming, and the correction loop into a dataset (a new version, checked in the engine).
 */
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');

let s: E2eSession;
beforeAll(async () => {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  s = await startE2eSession('lathe-e2e-playground-');
});
afterAll(async () => s?.close());

describe('playground (browser mode, real llama.cpp)', () => {
  it('shows a helpful empty state before any GGUF is registered', async () => {
    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/playground');
    await expect.poll(() => page.getByTestId('empty-state-playground').isVisible()).toBe(true);
    await shot(page, 'playground-empty');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('chats side by side, corrects an answer into a dataset, and finds the conversation in history', async () => {
    const engine = s.server.engine;
    const base = registerGguf(engine, TINY_GGUF, 'tiny-base');
    const adapter = registerGguf(engine, ensureTestLora(TINY_GGUF), 'tiny-tuned adapter', 'gguf-lora', base.id);
    const imported = await importChatDataset(engine, s.dataDir, 'Grid QA');

    const { context, page, problems } = await openApp(s.browser, s.server.url, 'light', '#/playground');
    await expect.poll(() => page.getByTestId('pg-input').isVisible()).toBe(true);
    await page.getByTestId('pg-mode-side').click();
    await expect.poll(() => page.getByTestId('pg-adapter-1').inputValue()).not.toBe('');
    await page.getByTestId('pg-temperature').fill('0');
    await page.getByTestId('pg-maxTokens').fill('24');
    await page.getByTestId('pg-system').fill('You are a grid engineer.');

    const input = page.getByTestId('pg-input');
    await input.click();
    await input.pressSequentially('What is a substation?');
    await input.press('Shift+Enter');
    await input.pressSequentially('Answer briefly.');
    expect(await input.inputValue()).toBe('What is a substation?\nAnswer briefly.');
    await input.press('Enter');
    await expect.poll(() => page.getByTestId('pg-answer').count(), { timeout: 60_000 }).toBe(2);
    expect(await input.inputValue()).toBe('');
    // Each lane shows its own model's answer, as the engine stored it: whatever the tiny model said (it may say
    // nothing at all; the lane then reads "(empty answer)"), base on the left and base + adapter on the right.
    const [conversation] = (await engine.call('playground.conversations', {})).conversations;
    const stored = (await engine.call('playground.conversation', { conversationId: conversation!.id })).messages.filter((m) => m.role === 'assistant');
    expect(stored.map((m) => [m.lane, m.modelId, m.adapterIds])).toEqual([[0, base.id, []], [1, base.id, [adapter.id]]]);
    for (const m of stored) {
      const shown = page.getByTestId(`pg-lane-${m.lane}`).getByTestId('pg-answer').locator('.pg-msg-text');
      expect(await shown.textContent()).toBe(m.content || '(empty answer)');
      await expect.poll(() => page.getByTestId(`pg-lane-${m.lane}`).getByTestId('pg-stats').textContent()).toBe(`${m.stats!.tokensPerSecond.toFixed(1)} tok/s · TTFT ${Math.round(m.stats!.timeToFirstTokenMs)} ms · ${m.stats!.tokens} tokens${m.stats!.stopReason === 'maxTokens' ? ' · hit max tokens' : ''}`);
    }
    await shot(page, 'playground-side-by-side');
    // A long conversation does not push the composer out of the window.
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.getByTestId('pg-lane-0').evaluate((log) => {
      for (let i = 0; i < 40; i += 1) log.appendChild(Object.assign(document.createElement('p'), { textContent: `filler line ${i}` }));
    });
    const box = (await page.getByTestId('pg-send').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(700);
    await page.screenshot({ path: path.join(ARTIFACTS, 'playground-long-1024x700.png') });
    await page.setViewportSize({ width: 1440, height: 900 });

    await page.getByTestId('pg-lane-0').getByTestId('pg-correct').click();
    await expect.poll(() => page.getByTestId('pg-correct-dialog').isVisible()).toBe(true);
    // The dialog shows the question the answer replies to, so the correction is written against it.
    expect(await page.getByTestId('pg-correct-question').textContent()).toBe('What is a substation?\nAnswer briefly.');
    await page.getByTestId('pg-correct-text').fill('A substation steps voltage down between transmission and distribution.');
    await expect.poll(() => page.getByTestId('pg-correct-dataset').inputValue()).toBe(imported.datasetId);
    await shot(page, 'playground-correct-dialog');
    await page.getByTestId('pg-correct-save').click();
    await expect.poll(() => page.getByText('Saved to Grid QA v2').isVisible()).toBe(true);
    await expect.poll(() => page.getByText('Saved as a training example').isVisible()).toBe(true);
    await shot(page, 'playground-corrected');

    const { versions } = await engine.call('datasets.versions', { datasetId: imported.datasetId });
    const v2 = versions.find((v) => v.number === 2)!;
    expect(v2).toMatchObject({ parentId: imported.versionId, operation: 'playground-correction', exampleCount: 4 });
    const last = await engine.call('datasets.examples', { versionId: v2.id, offset: 3, limit: 1 });
    expect(last.examples[0]!.content).toMatchObject({ kind: 'chat', messages: expect.arrayContaining([{ role: 'assistant', content: 'A substation steps voltage down between transmission and distribution.' }]) });

    await page.getByTestId('pg-new').click();
    await expect.poll(() => page.getByTestId('pg-answer').count()).toBe(0);
    await page.getByTestId('pg-history-item').first().click();
    await expect.poll(() => page.getByTestId('pg-answer').count()).toBe(2);
    await page.getByTestId('pg-serving-toggle').click();
    await expect.poll(() => page.getByTestId('pg-serving-url').textContent()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const serving = await engine.call('serving.status', {});
    const models = await fetch(`${serving.url}/models`, { headers: { authorization: `Bearer ${serving.apiKey}` } });
    expect(((await models.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toContainEqual(expect.stringMatching(/^tiny-base-[0-9a-f]{8}$/)); // URL-safe id: name slug + id prefix
    await page.getByTestId('pg-serving').scrollIntoViewIfNeeded();
    await shot(page, 'playground-local-api');
    await page.getByTestId('pg-serving-toggle').click();
    await expect.poll(() => engine.call('serving.status', {}).then((st) => st.running)).toBe(false);
    expect(problems).toEqual([]);
    await context.close();

    const dark = await openApp(s.browser, s.server.url, 'dark', '#/playground');
    await dark.page.getByTestId('pg-history-item').first().click();
    await expect.poll(() => dark.page.getByTestId('pg-answer').count()).toBe(2);
    await shot(dark.page, 'playground-side-by-side-dark');
    await dark.context.close();
  });
});
