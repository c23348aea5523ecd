import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { LatheClient } from '../../shared/contract/index.js';
import type { Role } from '../../shared/contract/roles.js';
import { RpcClient } from '../../shared/transport/rpc-client.js';
import { webSocketChannel, type WebSocketLike } from '../../shared/transport/websocket-channel.js';
import { AuditLog } from '../audit/audit-log.js';
import { UserDirectory, type UserDirectoryOptions } from '../auth/users.js';
import { openDatabase } from '../db/connection.js';
import { startBrowserServer, type BrowserServer, type BrowserServerOptions } from './browser-server.js';
import { rawRequest, type RawAnswer } from './raw-http.test-support.js';

/** scrypt at a test's cost (the stored parameters make verification use them too); production uses DEFAULT_SCRYPT. */
export const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery';

/** A team-mode server on a fresh data folder with one user per name given (password PASSWORD). */
export async function startTeam(
  users: Record<string, Role>,
  opts: Partial<BrowserServerOptions> & { users?: UserDirectoryOptions } = {},
): Promise<{ server: BrowserServer; dataDir: string }> {
  const dataDir = opts.dataDir ?? tempDir('lathe-team-');
  const { db } = openDatabase(dataDir);
  const dir = new UserDirectory(db, new AuditLog(db), { scrypt: CHEAP_SCRYPT });
  for (const [name, role] of Object.entries(users)) await dir.add(name, role, PASSWORD, 'operator');
  db.close();
  const rendererDir = tempDir('lathe-renderer-');
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
  const server = await startBrowserServer({ rendererDir, mode: 'test', team: true, ...opts, dataDir, users: { scrypt: CHEAP_SCRYPT, ...opts.users } });
  return { server, dataDir };
}

export function login(port: number, name: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return rawRequest(port, { method: 'POST', target: '/auth/login', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name, password }) });
}

/** Signs in and returns the `name=value` of the session cookie. */
export async function cookieOf(port: number, name: string, password = PASSWORD): Promise<string> {
  const r = await login(port, name, password);
  if (r.reset || r.status !== 200) throw new Error(`sign-in as ${name} failed: ${JSON.stringify(r)}`);
  return r.headers['set-cookie']!.split(';')[0]!;
}

/** The status of a WebSocket upgrade to `target` (/ws by default) with these headers (101 when it opened). */
export function upgradeStatus(port: number, headers: Record<string, string>, target = '/ws'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${target}`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** A typed client over a WebSocket opened with this session cookie (team mode), or at `target` (token mode: `/ws?token=…`). */
export async function clientFor(port: number, cookie: string | null, target = '/ws'): Promise<{ client: LatheClient; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${target}`, cookie ? { headers: { cookie } } : {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { client: new RpcClient(webSocketChannel(ws as unknown as WebSocketLike)), ws };
}

/**
 * Everything a call could have written, read through a separate read-only connection: every row of every table but
 * `sessions` (a session's last-seen time moves on every call), hashed, plus the names and sizes of the data folder's
 * files other than the database's own (its WAL grows with those session touches).
 */
export function writtenState(dataDir: string): { tables: Record<string, string>; files: string[] } {
  const db = new Database(path.join(dataDir, 'lathe.db'), { readonly: true, fileMustExist: true });
  try {
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sessions' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    const tables: Record<string, string> = {};
    for (const name of names) {
      const h = createHash('sha256');
      let n = 0;
      for (const row of db.prepare(`SELECT * FROM "${name}"`).iterate()) {
        h.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
        n += 1;
      }
      tables[name] = `${n}:${h.digest('hex').slice(0, 16)}`;
    }
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, d.name);
        if (d.isDirectory()) walk(full);
        else if (!/^lathe\.db(-wal|-shm)?$/.test(d.name)) files.push(`${path.relative(dataDir, full)}:${fs.statSync(full).size}`);
      }
    };
    walk(dataDir);
    return { tables, files: files.sort() };
  } finally {
    db.close();
  }
}
