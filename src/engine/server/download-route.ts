import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { DownloadTickets } from '../models/export-download.js';

/**
 * GET /download/<ticket>: streams the one file an `exports.download` call vetted and audited, to the user it was
 * vetted for (team mode: the session's user; token mode: the server's one user), once. The request already passed
 * the server's own check (token cookie, or a live session). The file's SHA-256 travels as Repr-Digest (RFC 9530), so
 * a client can check what it received against the export's record.
 */
export function serveDownload(req: http.IncomingMessage, res: http.ServerResponse, ticket: string, actor: string, tickets: DownloadTickets): void {
  const grant = /^[A-Za-z0-9_-]{43}$/.test(ticket) ? tickets.take(ticket, actor) : null;
  if (!grant) return plain(res, 404, 'This download link is used up or has expired. Click Download again.');
  const name = path.basename(grant.file);
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(grant.bytes),
    'Content-Disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    ...(grant.sha256 ? { 'Repr-Digest': `sha-256=:${Buffer.from(grant.sha256, 'hex').toString('base64')}:` } : {}),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
  });
  if (req.method === 'HEAD') return void res.end();
  const stream = fs.createReadStream(grant.absolutePath, { end: grant.bytes - 1 });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function plain(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(message);
}
