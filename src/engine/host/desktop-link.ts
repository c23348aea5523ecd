import os from 'node:os';
import { requireSignIn } from '../auth/desktop-sign-in.js';
import { openDatabase } from '../db/connection.js';
import { Engine } from '../engine.js';
import type { InferenceLink } from '../inference/inference-process.js';
import { startBrowserServer } from '../server/browser-server.js';

/**
 * How the desktop window reaches the engine. Normally a MessagePort per page load (`port`). With "require sign-in"
 * on (auth/desktop-sign-in.ts) the engine serves team mode on a loopback port instead (`server`) and the window loads
 * that page: the same sign-in, sessions, idle timeout, lockout and per-role checks as `lathe serve --team`, with no
 * second implementation of any of them. Client paths are confined to the data folder and the OS user's home folder.
 */
export type DesktopLink = { kind: 'port'; engine: Engine; close(): Promise<void> } | { kind: 'server'; engine: Engine; url: string; close(): Promise<void> };

export interface DesktopLinkOptions {
  dataDir: string;
  /** The built renderer, served to the window in `server` mode. */
  rendererDir: string;
  inference?: InferenceLink;
  /** Folders besides the data folder the signed-in users may import from and export to (default: the home folder). */
  allowDirs?: string[];
}

export async function openDesktopEngine(opts: DesktopLinkOptions): Promise<DesktopLink> {
  if (!signInRequired(opts.dataDir)) {
    const engine = Engine.open({ dataDir: opts.dataDir, mode: 'electron', ...(opts.inference ? { inference: opts.inference } : {}) });
    return { kind: 'port', engine, close: () => engine.dispose() };
  }
  const server = await startBrowserServer({
    dataDir: opts.dataDir, rendererDir: opts.rendererDir, mode: 'electron', team: true, host: '127.0.0.1', port: 0,
    allowDirs: opts.allowDirs ?? [os.homedir()], ...(opts.inference ? { inference: opts.inference } : {}),
  });
  return { kind: 'server', engine: server.engine, url: server.url, close: () => server.close() };
}

/** The setting as stored; a database that cannot be opened leaves it off (the engine then says what is wrong). */
function signInRequired(dataDir: string): boolean {
  let opened: ReturnType<typeof openDatabase> | null = null;
  try {
    opened = openDatabase(dataDir);
    return requireSignIn(opened.db);
  } catch {
    return false;
  } finally {
    opened?.db.close();
  }
}
