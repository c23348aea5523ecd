// Electron's security checklist, applied once for the whole app: sandboxed renderers, a strict CSP, no remote
// content, no navigation or new windows, no permissions, no <webview>, and no network at all from Chromium.
// https://www.electronjs.org/docs/latest/tutorial/security
import { app, type Session, type WebContents } from 'electron';

import type { MainLog } from './log.js';

/** The only origin the window may show: the packaged app scheme, or the Vite dev server in development. */
export interface AppOrigin {
  /** e.g. `lathe://app` or `http://localhost:5173` — scheme + host, no trailing slash. */
  readonly origin: string;
  /** The first page to load. */
  readonly startUrl: string;
  readonly dev: boolean;
  /** "Require sign-in": the engine's own team-mode page on loopback, which talks to its WebSocket. */
  readonly server?: boolean;
}

const STRICT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // Vite inlines small images and fonts as data: URLs; data: cannot carry script under this policy.
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Development only: Vite's dev server injects inline <style> tags and the React refresh preamble, and talks to
 * its HMR socket. Never used in a packaged app.
 */
function devCsp(devOrigin: string): string {
  const ws = devOrigin.replace(/^http/, 'ws');
  return STRICT_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
    .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    .replace("connect-src 'self'", `connect-src 'self' ${ws}`);
}

export function contentSecurityPolicy(origin: AppOrigin): string {
  return origin.dev ? devCsp(origin.origin) : STRICT_CSP;
}

/** Scheme + host of a URL (`new URL().origin` is "null" for custom schemes, so it cannot be used here). */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

export function isAppUrl(url: string, origin: AppOrigin): boolean {
  return originOf(url) === origin.origin;
}

/**
 * Must run before `app.whenReady()`: sandbox every renderer, and make Chromium unable to resolve any host name
 * except localhost (the dev server), so nothing in the UI process can reach the network even by mistake.
 */
export function hardenProcess(): void {
  app.enableSandbox();
  app.commandLine.appendSwitch('host-resolver-rules', 'MAP * ~NOTFOUND, EXCLUDE localhost');
}

/** Requests the window may make: its own origin (and the dev server's HMR socket), DevTools, inline data. */
function isAllowedRequest(url: string, origin: AppOrigin): boolean {
  const requestOrigin = originOf(url);
  if (requestOrigin === origin.origin) return true;
  if ((origin.dev || origin.server) && requestOrigin === origin.origin.replace(/^http/, 'ws')) return true;
  return /^(devtools|data|blob):/.test(url);
}

/** `origin` is asked on every request: it changes when the engine's sign-in page moves (a restarted engine host). */
export function hardenSession(ses: Session, origin: () => AppOrigin, log: MainLog): void {
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url, origin());
    if (!allowed) log.line('security', `blocked request to ${details.url}`);
    callback({ cancel: !allowed });
  });

  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [contentSecurityPolicy(origin())];
    headers['X-Content-Type-Options'] = ['nosniff'];
    callback({ responseHeaders: headers });
  });

  ses.setPermissionRequestHandler((_webContents, permission, callback) => {
    log.line('security', `denied permission request: ${permission}`);
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);

  // The spellchecker would download Hunspell dictionaries from a CDN.
  ses.setSpellCheckerEnabled(false);
}

/** Applied to every WebContents the app ever creates (windows, DevTools, anything else). */
export function guardWebContents(contents: WebContents, origin: () => AppOrigin, log: MainLog): void {
  const refuseForeign = (event: { preventDefault(): void }, url: string, what: string): void => {
    if (isAppUrl(url, origin())) return;
    event.preventDefault();
    log.line('security', `blocked ${what} to ${url}`);
  };
  contents.on('will-navigate', (event, url) => refuseForeign(event, url, 'navigation'));
  contents.on('will-frame-navigate', (event) => refuseForeign(event, event.url, 'frame navigation'));
  contents.on('will-redirect', (event, url) => refuseForeign(event, url, 'redirect'));

  contents.setWindowOpenHandler(({ url }) => {
    log.line('security', `blocked window.open(${url})`);
    return { action: 'deny' };
  });

  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.line('security', 'blocked <webview> attachment');
  });
}

export function guardAllWebContents(origin: () => AppOrigin, log: MainLog): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, origin, log));
}
