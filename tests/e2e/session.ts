import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startBrowserServer, type BrowserServer } from '../../src/engine/server/browser-server.js';
import { launchChromium } from './browser.js';
import { ARTIFACTS, RENDERER_DIR } from './datasets-page.js';

export interface E2eSession {
  dataDir: string;
  server: BrowserServer;
  browser: Browser;
  close(): Promise<void>;
}

/** The set-up every e2e file shares: built renderer, a fresh data folder, browser-mode server and Chromium. */
export async function startE2eSession(prefix: string): Promise<E2eSession> {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new Error('renderer/dist is missing: run `npm run build:renderer` (npm run test:e2e does it first).');
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
  const server = await startBrowserServer({ dataDir, rendererDir: RENDERER_DIR, mode: 'test' });
  const browser = await launchChromium();
  const session: E2eSession = {
    dataDir,
    server,
    browser,
    async close() {
      await browser.close();
      await session.server.close(); // a test that restarts the server puts the new one here
      await fs.promises.rm(dataDir, { recursive: true, force: true });
    },
  };
  return session;
}
