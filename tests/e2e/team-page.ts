import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { AuditLog } from '../../src/engine/audit/audit-log.js';
import { UserDirectory } from '../../src/engine/auth/users.js';
import { openDatabase } from '../../src/engine/db/connection.js';
import type { Role } from '../../src/shared/contract/roles.js';
import { ARTIFACTS, RENDERER_DIR, watchProblems } from './datasets-page.js';

/** Shared by the team-mode e2e files: a person's browser context, signing in, the shell's who-am-I, axe. */

/** A test's scrypt cost; stored with each hash, so verification uses it too. */
export const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

const AXE_SOURCE: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** An account as `lathe users add` makes it; `mustChange` for a one-time password. */
export type Account = [name: string, role: Role, password: string, opts?: { mustChange: boolean }];

/**
 * A fresh data folder with these accounts (and whatever `more` writes to its database, e.g. require-sign-in), after
 * checking the built renderer is there: the set-up of every team-mode e2e file before its server starts.
 */
export async function teamDataDir(prefix: string, accounts: readonly Account[], more?: (db: Database.Database) => void): Promise<string> {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) throw new Error('renderer/dist is missing: run `npm run build:renderer`.');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
  const { db } = openDatabase(dataDir);
  const users = new UserDirectory(db, new AuditLog(db), { scrypt: CHEAP_SCRYPT });
  for (const [name, role, password, opts] of accounts) await users.add(name, role, password, 'operator', opts);
  more?.(db);
  db.close();
  return dataDir;
}

export interface Person {
  context: BrowserContext;
  page: Page;
  problems: string[];
  sockets: string[];
}

/** Chromium reports every refused fetch (401, 423) on the console; those are the sign-in answers, not page errors. */
export function realProblems(problems: string[]): string[] {
  return problems.filter((p) => !/Failed to load resource: the server responded with a status of (401|423)/.test(p));
}

/** A fresh browser context (one person) on the server's page, in a theme. */
export async function openTeamPage(browser: Browser, url: string, theme: 'light' | 'dark'): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 880 }, colorScheme: theme });
  const page = await context.newPage();
  const problems = watchProblems(page, url);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
  return { context, page, problems, sockets };
}

export async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByTestId('signin-page').waitFor({ state: 'visible' });
  await page.getByTestId('signin-name').fill(name);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
}

/** The shell is connected and says who is signed in ("ada · labeller"). */
export async function expectShell(page: Page, who: string): Promise<void> {
  await expect.poll(() => page.getByTestId('status-connection').textContent()).toBe('Connected');
  await expect.poll(() => page.getByTestId('session-who').textContent()).toBe(`Signed in as ${who}`);
  expect(await page.getByTestId('session-user').isVisible()).toBe(true);
}

/** The session cookie of a signed-in context, as a `Cookie` header value. */
export async function sessionCookie(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name === 'lathe_session');
  if (!cookie) throw new Error('no lathe_session cookie: not signed in');
  return `lathe_session=${cookie.value}`;
}

export async function axeViolations(page: Page, where: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })).violations;
  }, TAGS)) as Array<{ id: string; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }>;
  return violations.flatMap((v) => v.nodes.map((n) => `${where}: ${v.id} ${v.help} — ${n.target.join(' ')} — ${n.failureSummary ?? ''}`));
}
