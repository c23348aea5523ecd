/**
 * Electron main: wiring only — no business logic, no SQL, no native modules.
 *
 * Processes and ports
 *
 *   main (this file) ── utilityProcess.fork ──> engine host     (.vite/build/engine-host.js, SQLite, jobs, trainer)
 *        │           └─ utilityProcess.fork ──> inference host  (.vite/build/inference-host.js, node-llama-cpp)
 *        └─ BrowserWindow (sandboxed renderer, preload.cjs)
 *
 *   renderer ⇄ engine:    a MessageChannelMain per page load. port1 → engine as {type:'lathe:attach', role:'renderer'};
 *                         port2 → webContents.postMessage('lathe:port') after did-finish-load (and after every reload);
 *                         the preload re-posts it to the page, which speaks the typed contract over it.
 *   engine ⇄ inference:   one MessageChannelMain: engine gets role 'inference', inference gets role 'engine'.
 *                         Re-made whenever either host restarts.
 *
 * Main never reads those ports. If a host dies it is logged and restarted with its ports re-sent; after three
 * crashes in a minute a dialog says what to do (hosts.ts). Quitting stops things in order — the window (which
 * closes the renderer's port), the inference host, the engine host — each with a time limit, so nothing is
 * orphaned and nothing hangs the quit.
 *
 * Security (security.ts, window.ts, app-protocol.ts): sandbox + context isolation everywhere, strict CSP, the
 * packaged UI served from lathe://app/, no navigation, no new windows, no permissions, no <webview>, and
 * Chromium cannot resolve any host name. There is no auto-update, crash upload or telemetry.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { app, BrowserWindow, dialog, session } from 'electron';

import { APP_ORIGIN, registerAppScheme, serveRenderer } from './app-protocol.js';
import { OrderedDisposables, toDisposable } from './disposable.js';
import { giveUpMessage, HostSupervisor, type EngineLink, type HostName } from './hosts.js';
import { openMainLog, type MainLog } from './log.js';
import { installMenu } from './menu.js';
import {
  contentSecurityPolicy,
  guardAllWebContents,
  hardenProcess,
  hardenSession,
  type AppOrigin,
} from './security.js';
import { handleSquirrelEvent } from './squirrel.js';
import { createMainWindow, type MainWindow } from './window.js';

const SHUTDOWN_STEP_TIMEOUT_MS = 5_000;

/** Where the build put things: main.js, preload.cjs and the host entries sit together in .vite/build. */
const buildDir = path.dirname(fileURLToPath(import.meta.url));

function appOrigin(): AppOrigin {
  const devServer = typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' ? MAIN_WINDOW_VITE_DEV_SERVER_URL : '';
  if (!app.isPackaged && devServer) {
    const url = new URL(devServer);
    return { origin: `${url.protocol}//${url.host}`, startUrl: url.toString(), dev: true };
  }
  return { origin: APP_ORIGIN, startUrl: `${APP_ORIGIN}/index.html`, dev: false };
}

/** The origin the window may show: the app's own, or (sign-in required) the engine's loopback page once it says so. */
interface Origins {
  readonly app: AppOrigin;
  current: AppOrigin;
}

/** Environment for both hosts: where data and shipped resources live, and a promise of no network. */
function hostEnv(): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return {
    ...inherited,
    LATHE_MODE: 'electron',
    LATHE_DATA_DIR: path.join(app.getPath('userData'), 'data'),
    // Packaged: extraResource puts trainer/ and samples/ directly in the resources folder.
    LATHE_RESOURCES_DIR: app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'resources'),
    // From an offline bundle's parts packaged as extra resources (forge.config.ts bundleExtras): no compiler needed.
    ...(app.isPackaged && existsSync(path.join(process.resourcesPath, 'llama-tools', 'bin'))
      ? { LATHE_LLAMA_TOOLS_DIR: path.join(process.resourcesPath, 'llama-tools') } : {}),
    ...(app.isPackaged && existsSync(path.join(process.resourcesPath, 'llama.cpp', 'convert_hf_to_gguf.py'))
      ? { LATHE_LLAMA_CPP_BUNDLE: path.join(process.resourcesPath, 'llama.cpp') } : {}),
    // The trainer's wheels: the engine makes <data>/python-env from them on first start (no network, hash-checked).
    ...(app.isPackaged && existsSync(path.join(process.resourcesPath, 'wheelhouse', 'requirements.lock'))
      ? { LATHE_WHEELHOUSE: path.join(process.resourcesPath, 'wheelhouse') } : {}),
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    HF_DATASETS_OFFLINE: '1',
    HF_HUB_DISABLE_TELEMETRY: '1',
    DO_NOT_TRACK: '1',
  };
}

async function showGiveUp(name: HostName, log: MainLog, parent: MainWindow | null): Promise<void> {
  const text = giveUpMessage(name, log.file);
  const options = {
    type: 'error' as const,
    title: 'Lathe',
    message: text.message,
    detail: text.detail,
    buttons: text.fatal ? ['Quit Lathe'] : ['Keep working', 'Quit Lathe'],
    defaultId: 0,
    noLink: true,
  };
  const window = parent && !parent.window.isDestroyed() ? parent.window : null;
  const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  if (text.fatal || response === 1) app.quit();
}

/** The built renderer: served as lathe://app/, and by the engine itself when sign-in is required. */
const rendererDir = path.join(buildDir, '..', 'renderer', MAIN_WINDOW_VITE_NAME);

async function run(log: MainLog, origins: Origins): Promise<void> {
  await app.whenReady();
  const shutdown = new OrderedDisposables(SHUTDOWN_STEP_TIMEOUT_MS, (line) => log.line('main', line));
  let mainWindow: MainWindow | null = null;

  hardenSession(session.defaultSession, () => origins.current, log);
  if (!origins.app.dev) {
    serveRenderer(session.defaultSession, rendererDir, contentSecurityPolicy(origins.app));
  }
  installMenu();

  // The window opens once the engine has said how to reach it: a MessagePort per page load, or — "require sign-in"
  // (lathe users require-sign-in on) — team mode's sign-in page, which the engine serves on loopback.
  let firstLink: (link: EngineLink) => void = () => undefined;
  const linked = new Promise<EngineLink>((resolve) => (firstLink = resolve));
  const hosts = new HostSupervisor({
    engine: { name: 'engine', entry: path.join(buildDir, 'engine-host.js'), env: { ...hostEnv(), LATHE_RENDERER_DIR: rendererDir } },
    inference: { name: 'inference', entry: path.join(buildDir, 'inference-host.js'), env: hostEnv() },
    log,
    onGiveUp: (name) => void showGiveUp(name, log, mainWindow),
    onEngineLink: (link) => {
      const before = origins.current;
      origins.current = link.kind === 'server' ? { origin: link.url.replace(/\/$/, ''), startUrl: link.url, dev: false, server: true } : origins.app;
      firstLink(link);
      // A restarted engine serves its sign-in page on a new port: follow it (the session cookie is kept by host).
      if (mainWindow && !mainWindow.window.isDestroyed() && origins.current.startUrl !== before.startUrl) {
        void mainWindow.window.loadURL(origins.current.startUrl).catch((err: unknown) => log.line('window', `could not load ${origins.current.startUrl}: ${String(err)}`));
      }
    },
  });
  hosts.start();
  const link = await linked;
  log.line('main', link.kind === 'server' ? `sign-in required: the window shows ${link.url}` : 'the window reaches the engine over a MessagePort');

  const openWindow = (): MainWindow => {
    const created = createMainWindow({
      preload: path.join(buildDir, 'preload.cjs'),
      startUrl: origins.current.startUrl,
      link: origins.current.server ? 'server' : 'port',
      log,
      onPageReady: (contents) => hosts.connectRenderer(contents),
    });
    created.window.on('closed', () => {
      if (mainWindow === created) mainWindow = null;
    });
    return created;
  };
  mainWindow = openWindow();

  // Shutdown order: renderer ports (by closing the window), then inference, then engine.
  shutdown.add('window', toDisposable(() => {
    for (const window of BrowserWindow.getAllWindows()) window.destroy();
  }));
  shutdown.add('inference host', hosts.stopInference(SHUTDOWN_STEP_TIMEOUT_MS));
  shutdown.add('engine host', hosts.stopEngine(SHUTDOWN_STEP_TIMEOUT_MS));
  shutdown.add('log', log);

  app.on('second-instance', () => {
    if (mainWindow) mainWindow.focus();
    else mainWindow = openWindow();
  });
  app.on('activate', () => {
    if (!mainWindow) mainWindow = openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void shutdown.dispose().finally(() => {
      stopped = true;
      app.quit();
    });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());
}

function main(): void {
  if (handleSquirrelEvent()) return;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Everything below must happen before the ready event.
  hardenProcess();
  registerAppScheme();
  app.setAppLogsPath();
  const log = openMainLog(app.getPath('logs'));
  const origins: Origins = { app: appOrigin(), current: appOrigin() };
  guardAllWebContents(() => origins.current, log);
  run(log, origins).catch((err: unknown) => {
    log.line('main', `start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    dialog.showErrorBox('Lathe could not start', `${String(err)}\n\nDetails are in the log: ${log.file}`);
    app.exit(1);
  });
}

main();
