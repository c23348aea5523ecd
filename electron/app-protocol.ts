// The packaged renderer is served from `lathe://app/` instead of file://. Electron's checklist recommends a
// custom protocol: file:// pages can read any local file, CSP headers are not reliably applied to file://
// responses, and 'self' has no useful meaning there. Here every response carries the CSP itself.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { protocol, type Session } from 'electron';

export const APP_SCHEME = 'lathe';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Must run before `app.whenReady()`. `standard` + `secure` give the scheme a real origin for 'self' and ES modules. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * Maps a `lathe://app/...` URL to a file under `rendererDir`, or null when it would leave that folder or names
 * another host. Paths without an extension fall back to index.html (client-side routes).
 */
export function resolveAppFile(url: string, rendererDir: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  if (relative === '/' || path.extname(relative) === '') relative = '/index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${relative}`);
  return file.startsWith(root + path.sep) ? file : null;
}

/**
 * Serves the built renderer on the app scheme for `ses`, adding the CSP header to every response. Files are
 * read with fs (which reads inside the asar), not net.fetch, so the session's request filter never sees them.
 */
export function serveRenderer(ses: Session, rendererDir: string, csp: string): void {
  ses.protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(request.url, rendererDir);
    if (!file) return new Response('Not found', { status: 404 });
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = new Uint8Array(await readFile(file));
    } catch {
      return new Response('Not found', { status: 404 });
    }
    const headers = new Headers();
    headers.set('Content-Type', CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
    headers.set('Content-Security-Policy', csp);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(body, { status: 200, headers });
  });
}
