import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGguf } from '../../src/engine/playground/playground-kit.js';
import { startBrowserServer, type BrowserServer } from '../../src/engine/server/browser-server.js';
import { launchChromium } from './browser.js';
import { ARTIFACTS, RENDERER_DIR, mainShot, shot, waitForDoctor } from './datasets-page.js';
import { axeViolations, CHEAP_SCRYPT, expectShell, openTeamPage, realProblems, signIn, teamDataDir } from './team-page.js';

/**
 * Team mode in the browser (`lathe serve --team`): the sign-in page, a wrong password, a one-time password replaced
 * on the new-password step, the signed-in user in the shell, an engine FORBIDDEN for a labeller shown as the engine
 * worded it, a locked account, signing out, and a session the engine ends (close code 4401) bringing the sign-in
 * page back instead of a reconnect loop. Two browser contexts (two people) at once; both themes; axe on both pages.
 */
const ADA_ONE_TIME = 'ada-one-time-Xk42pq';
const ADA_NEW = 'lathe sawdust orchard';
const GRACE = 'grace long passphrase';
const EVE = 'eve long passphrase 1';


let dataDir: string;
let server: BrowserServer;
const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');
let browser: Browser;

beforeAll(async () => {
  // The accounts, as `lathe users add` makes them (ada's with a one-time password she must replace).
  dataDir = await teamDataDir('lathe-e2e-team-', [['ada', 'labeller', ADA_ONE_TIME, { mustChange: true }], ['grace', 'admin', GRACE], ['eve', 'viewer', EVE]]);
  fs.writeFileSync(path.join(dataDir, 'tasks.jsonl'), '{"prompt":"2+2?","completion":"4"}\n{"prompt":"3+3?","completion":"6"}\n');
  server = await startBrowserServer({ dataDir, rendererDir: RENDERER_DIR, mode: 'test', team: true, users: { scrypt: CHEAP_SCRYPT } });
  // A GGUF model from the start: the Playground shows its chat (and what a role may do there) only once it has one.
  registerGguf(server.engine, TINY_GGUF, 'tiny');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) await fs.promises.rm(dataDir, { recursive: true, force: true });
});

const openPage = (theme: 'light' | 'dark') => openTeamPage(browser, server.url, theme);

describe('team mode in the browser', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`shows a sign-in page and nothing else without a session (${theme}), which passes axe`, async () => {
      const { context, page, problems, sockets } = await openPage(theme);
      try {
        await page.getByTestId('signin-page').waitFor({ state: 'visible' });
        expect(await page.title()).toBe('Sign in · Lathe');
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
        expect(await page.getByLabel('User name', { exact: true }).getAttribute('autocomplete')).toBe('username');
        expect(await page.getByLabel('Password', { exact: true }).getAttribute('type')).toBe('password');
        // No shell, and no socket: the data needs a session.
        expect(await page.getByTestId('sidebar').count()).toBe(0);
        expect(sockets).toEqual([]);
        await page.emulateMedia({ reducedMotion: 'reduce' });
        await shot(page, `team-signin-${theme}`);
        const found = await axeViolations(page, `sign-in [${theme}]`);

        // An empty form says what is missing, next to each field.
        await page.getByTestId('signin-submit').click();
        expect(await page.getByTestId('signin-name-problem').textContent()).toBe('Type your user name.');
        expect(await page.getByTestId('signin-password-problem').textContent()).toBe('Type your password.');
        found.push(...(await axeViolations(page, `sign-in, empty form [${theme}]`)));

        // A wrong password: the server's words, message and hint.
        await page.getByTestId('signin-name').fill('ada');
        await page.getByTestId('signin-password').fill('not her password');
        await page.getByTestId('signin-submit').click();
        const error = page.getByTestId('auth-error');
        await error.waitFor({ state: 'visible' });
        expect(await error.textContent()).toContain('Wrong user name or password.');
        expect(await error.textContent()).toContain('Check both and try again');
        expect(await page.getByTestId('signin-password').inputValue()).toBe(''); // cleared for the next try
        expect(await page.getByTestId('signin-name').inputValue()).toBe('ada');
        await shot(page, `team-signin-error-${theme}`);
        found.push(...(await axeViolations(page, `sign-in, wrong password [${theme}]`)));
        expect(found, found.join('\n')).toEqual([]);
        expect(realProblems(problems)).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('a labeller replaces her one-time password, sees her name and role, is refused what her role lacks, and signs out', async () => {
    const { context, page, problems } = await openPage('light');
    try {
      await signIn(page, 'ada', ADA_ONE_TIME);
      // The one-time password must be replaced before the data opens; it is not asked for a second time.
      await page.getByTestId('password-page').waitFor({ state: 'visible' });
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Choose a new password');
      expect(await page.getByTestId('password-current').count()).toBe(0);
      expect(await page.getByTestId('sidebar').count()).toBe(0);
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await shot(page, 'team-new-password-light');
      const found = await axeViolations(page, 'new password');

      await page.getByTestId('password-next').fill('too short');
      await page.getByTestId('password-repeat').fill('too short');
      await page.getByTestId('password-submit').click();
      expect(await page.getByTestId('password-next-problem').textContent()).toBe('Use at least 12 characters (this has 9).');
      await page.getByTestId('password-next').fill(ADA_NEW);
      await page.getByTestId('password-repeat').fill(`${ADA_NEW}!`);
      await page.getByTestId('password-submit').click();
      expect(await page.getByTestId('password-repeat-problem').textContent()).toBe('The two new passwords differ.');
      found.push(...(await axeViolations(page, 'new password, problems shown')));
      await shot(page, 'team-new-password-problems-light');
      await page.getByTestId('password-repeat').fill(ADA_NEW);
      await page.getByTestId('password-submit').click();

      // In: the shell says who and as what.
      await expectShell(page, 'ada · labeller');
      expect(await page.getByTestId('session-user-name').textContent()).toBe('ada');
      expect(await page.getByTestId('session-user-role').textContent()).toBe(' · labeller');
      await waitForDoctor(page);
      await mainShot(page, 'team-shell-labeller-light');
      found.push(...(await axeViolations(page, 'shell, signed in [light]')));
      // The icon rail (a narrow window): the user shrinks to an initial, the way out stays.
      await page.setViewportSize({ width: 1100, height: 760 });
      await expect.poll(() => page.getByTestId('sidebar').getAttribute('data-collapsed')).toBe('true');
      expect(await page.getByTestId('sign-out').isVisible()).toBe(true);
      expect(await page.getByTestId('session-who').isVisible()).toBe(false);
      await page.getByTestId('sidebar').screenshot({ path: path.join(ARTIFACTS, 'team-sidebar-rail-light.png') });
      await page.setViewportSize({ width: 1360, height: 880 });

      // What her role lacks is not offered, and the page says why (the engine refuses it anyway: team-mode.test.ts
      // walks every handler). Importing data needs "curate"; importing models needs "train".
      expect(await page.getByTestId('datasets-import').count()).toBe(0);
      const note = page.getByTestId('role-note').first();
      await note.waitFor({ state: 'visible' });
      expect(await note.textContent()).toContain('Importing and curating data needs the curator, trainer or admin role; you are signed in as a labeller.');
      await mainShot(page, 'team-labeller-datasets-light');
      await page.goto(`${server.url}#/models`);
      await expect.poll(() => page.getByTestId('role-note').first().textContent()).toContain('Training, evaluating and exporting needs the trainer or admin role');
      expect(await page.getByTestId('model-import-open').count()).toBe(0);
      // The getting-started checklist (import, train, export) is not hers to walk.
      expect(await page.getByTestId('first-steps').count()).toBe(0);
      await mainShot(page, 'team-labeller-models-light');
      // The Playground: she may chat and correct answers (label), but the local API is the admin's.
      await page.goto(`${server.url}#/playground`);
      await page.getByTestId('pg-input').waitFor({ state: 'visible' });
      await expect.poll(() => page.getByTestId('pg-serving-role-note').textContent().catch(() => '')).toContain('Managing the server needs the admin role; you are signed in as a labeller.');
      expect(await page.getByTestId('pg-serving').count()).toBe(0);
      expect(await page.getByTestId('pg-role-note').count()).toBe(0);
      await page.goto(`${server.url}#/datasets`);

      // Sign out: back to the sign-in page, which says so.
      await page.getByTestId('sign-out').click();
      await page.getByTestId('signin-page').waitFor({ state: 'visible' });
      expect(await page.getByTestId('signin-note').textContent()).toContain('You signed out');
      expect(await page.getByTestId('sidebar').count()).toBe(0);

      // The one-time password is spent; the new one opens the app directly.
      await signIn(page, 'ada', ADA_ONE_TIME);
      await expect.poll(() => page.getByTestId('auth-error').textContent()).toContain('Wrong user name or password.');
      await signIn(page, 'ada', ADA_NEW);
      await expectShell(page, 'ada · labeller');
      expect(found, found.join('\n')).toEqual([]);
      expect(realProblems(problems)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('two people at once: a session the engine ends (4401) brings back the sign-in page, once; a locked account says so', async () => {
    const a = await openPage('light');
    const b = await openPage('dark');
    try {
      await signIn(a.page, 'ada', ADA_NEW);
      await expectShell(a.page, 'ada · labeller');
      await signIn(b.page, 'grace', GRACE);
      await expectShell(b.page, 'grace · admin');
      await waitForDoctor(b.page);
      await mainShot(b.page, 'team-shell-admin-dark');
      const shellFound = await axeViolations(b.page, 'shell, signed in [dark]');
      expect(shellFound, shellFound.join('\n')).toEqual([]);

      // Grace's session ends elsewhere (her cookie, signed out from outside the page): the engine closes her socket
      // with 4401, and her page asks to sign in again instead of reconnecting.
      const cookie = (await b.context.cookies()).find((c) => c.name === 'lathe_session');
      expect(cookie).toBeDefined();
      const out = await fetch(new URL('/auth/logout', server.url), { method: 'POST', headers: { cookie: `lathe_session=${cookie!.value}` } });
      expect(out.status).toBe(200);
      await b.page.getByTestId('signin-page').waitFor({ state: 'visible' });
      expect(await b.page.getByTestId('signin-note').textContent()).toContain('Your session ended — sign in again');
      await b.page.emulateMedia({ reducedMotion: 'reduce' });
      await shot(b.page, 'team-session-ended-dark');
      const socketsThen = b.sockets.length;
      await b.page.waitForTimeout(3_000); // longer than several reconnect delays
      expect(b.sockets.length).toBe(socketsThen);
      expect(await b.page.getByTestId('signin-page').isVisible()).toBe(true);

      // Ada's session is her own: still connected.
      expect(await a.page.getByTestId('status-connection').textContent()).toBe('Connected');
      expect(await a.page.getByTestId('session-who').textContent()).toBe('Signed in as ada · labeller');

      // Five wrong passwords lock an account (423): the page says it is locked, and until when, in the server's words.
      for (let i = 1; i <= 5; i += 1) {
        await signIn(b.page, 'eve', `wrong guess number ${i}`);
        await expect.poll(() => b.page.getByTestId('signin-submit').isEnabled()).toBe(true);
        await b.page.getByTestId(i < 5 ? 'auth-error' : 'auth-locked').waitFor({ state: 'visible' });
      }
      const locked = (await b.page.getByTestId('auth-locked').textContent()) ?? '';
      expect(locked).toContain('This account is locked');
      expect(locked).toMatch(/locked after repeated wrong passwords, until \d\d:\d\d UTC/);
      expect(locked).toContain('lathe users reset-password NAME');
      await shot(b.page, 'team-locked-dark');
      const found = await axeViolations(b.page, 'sign-in, locked [dark]');
      expect(found, found.join('\n')).toEqual([]);

      // Grace signs in again; then ada signs out and grace stays in.
      await signIn(b.page, 'grace', GRACE);
      await expectShell(b.page, 'grace · admin');

      // The two-person rule sits with the release gate: an admin turns it on, anyone else sees it and who may change it.
      // (Evaluate shows the gate once there is a GGUF model — registered at the start — and a dataset.)
      await server.engine.call('datasets.import', { path: path.join(dataDir, 'tasks.jsonl'), datasetName: 'Tasks' });
      await b.page.getByTestId('nav-evaluate').click();
      const rule = b.page.getByTestId('ev-two-person-toggle');
      await rule.waitFor({ state: 'visible' });
      expect(await rule.isEnabled()).toBe(true);
      await rule.check();
      await expect.poll(async () => (await server.engine.call('gate.get', {})).twoPersonRule).toBe(true);
      await b.page.getByTestId('ev-two-person').screenshot({ path: path.join(ARTIFACTS, 'team-two-person-rule-dark.png') });
      await a.page.getByTestId('nav-evaluate').click();
      await a.page.getByTestId('ev-two-person-toggle').waitFor({ state: 'visible' });
      expect(await a.page.getByTestId('ev-two-person-toggle').isChecked()).toBe(true);
      expect(await a.page.getByTestId('ev-two-person-toggle').isEnabled()).toBe(false);
      expect(await a.page.getByTestId('ev-two-person').textContent()).toContain('An admin changes this.');

      // Approving a dataset version for training is signed: grace (an admin holds "approve") enters her password again;
      // ada, a labeller, sees the approval and not the button.
      const datasetId = (await server.engine.call('datasets.list', {})).datasets[0]!.id;
      await b.page.goto(`${server.url}#/datasets/${datasetId}`);
      await b.page.getByTestId('version-approve').click();
      await b.page.getByTestId('version-approve-note').fill('Checked both examples');
      expect(await b.page.getByTestId('version-approve-submit').isDisabled()).toBe(true);
      await b.page.getByTestId('version-approve-password').fill(GRACE);
      await b.page.getByTestId('version-approve-submit').click();
      await expect.poll(() => b.page.getByTestId('version-approval').first().textContent().catch(() => '')).toMatch(/^v1 approved for training by grace, .+ · signed \(password re-entered\) · “Checked both examples”$/);
      await mainShot(b.page, 'team-version-approved-dark');
      await a.page.goto(`${server.url}#/datasets/${datasetId}`);
      await expect.poll(() => a.page.getByTestId('version-approval').count()).toBe(1);
      expect(await a.page.getByTestId('version-approve').count()).toBe(0);
      const signed = await server.engine.call('audit.list', { actionPrefix: 'signature', limit: 10 });
      expect(signed.entries.some((e) => e.actor === 'grace' && e.objectType === 'dataset_version' && (e.details as { meaning?: string }).meaning === 'Approved for training')).toBe(true);

      await a.page.getByTestId('sign-out').click();
      await a.page.getByTestId('signin-page').waitFor({ state: 'visible' });
      await b.page.waitForTimeout(500);
      expect(await b.page.getByTestId('status-connection').textContent()).toBe('Connected');

      expect(realProblems(a.problems)).toEqual([]);
      expect(realProblems(b.problems)).toEqual([]);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });
});
