// The one application window. All isolation settings are spelled out (most are already Electron's defaults)
// so a reviewer can check them here, and a future default change cannot silently loosen them.
import { app, BrowserWindow, nativeTheme, type WebContents } from 'electron';

import { CrashBudget } from './crash-budget.js';
import type { Disposable } from './disposable.js';
import type { MainLog } from './log.js';

export interface MainWindowOptions {
  /** Absolute path of the built, CommonJS preload script. */
  readonly preload: string;
  /** `lathe://app/index.html` when packaged, the Vite dev server URL in development. */
  readonly startUrl: string;
  readonly log: MainLog;
  /**
   * Called after every completed load of the page (first load and each reload), when the page's scripts have
   * run: the moment to hand it a fresh engine port.
   */
  readonly onPageReady: (contents: WebContents) => void;
  /** How the page reaches the engine; the preload tells the page (`latheBridge.link`). */
  readonly link: 'port' | 'server';
}

export interface MainWindow extends Disposable {
  readonly window: BrowserWindow;
  focus(): void;
}

export function createMainWindow(options: MainWindowOptions): MainWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Lathe',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171c' : '#ffffff',
    webPreferences: {
      preload: options.preload,
      additionalArguments: [`--lathe-link=${options.link}`],
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: !app.isPackaged,
    },
  });

  const contents = window.webContents;
  const rendererCrashes = new CrashBudget(3, 60_000);
  window.once('ready-to-show', () => window.show());
  contents.on('did-finish-load', () => options.onPageReady(contents));
  contents.on('render-process-gone', (_event, details) => {
    options.log.line('window', `renderer gone: ${details.reason} (exit code ${details.exitCode})`);
    // A crashed page reloads (and gets a new port on did-finish-load), but a page that keeps crashing on load
    // is left alone rather than reloaded in a loop. A clean exit means we are closing.
    if (details.reason === 'clean-exit' || window.isDestroyed()) return;
    if (rendererCrashes.record()) {
      options.log.line('window', 'renderer crashed 3 times within a minute; not reloading (use View > Reload)');
      return;
    }
    contents.reload();
  });
  contents.on('preload-error', (_event, preloadPath, error) => {
    options.log.line('window', `preload failed (${preloadPath}): ${error.message}`);
  });

  window.loadURL(options.startUrl).catch((err: unknown) => {
    options.log.line('window', `could not load ${options.startUrl}: ${String(err)}`);
  });

  return {
    window,
    focus() {
      if (window.isDestroyed()) return;
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    },
    // Destroying the page closes its end of the engine port, so the engine sees the renderer leave first.
    dispose() {
      if (!window.isDestroyed()) window.destroy();
    },
  };
}
