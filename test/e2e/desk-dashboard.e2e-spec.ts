import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { KiteWsProbe, kiteWsUrl } from '../helpers/kite-ws-client.js';
import { TestApp } from '../helpers/test-app.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;
/** Who is logged in to Kite in the simulator: a viewer's page must never show either. */
const KITE_USER = ['SIM001', 'Simulated Trader'];

/** Collects every CSP violation of a context's pages (as an event and as a console error). */
async function watchCsp(context: BrowserContext, violations: string[]): Promise<void> {
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
  context.on('console', (m) => {
    if (m.type() === 'error' && /CSP violation|Content Security Policy|Refused to/.test(m.text())) {
      violations.push(m.text());
    }
  });
}

/** Waits for a live price in the RELIANCE row, then for it to change. */
async function liveTicks(page: Page): Promise<void> {
  const cell = 'tr[data-symbol="NSE:RELIANCE"] td[data-field="last_price"]';
  await page.waitForFunction((s) => /^[\d,]+\.\d+/.test(document.querySelector(s)?.textContent ?? ''), cell);
  const first = await page.locator(cell).innerText();
  await page.waitForFunction(
    ([s, p]) => {
      const now = document.querySelector(s)?.textContent ?? '';
      return now !== p && /\d/.test(now);
    },
    [cell, first],
    { timeout: 10_000 },
  );
}

const cellTexts = (page: Page, selector: string) =>
  page.evaluate((s) => Array.from(document.querySelectorAll(s)).map((e) => e.textContent ?? ''), selector);

describe('the desk in a real browser: the admin panel and invite links (Debian chromium)', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });

  it('the admin invites a viewer from the panel; the viewer sees live ticks, no panel, no Kite user; reuse refused; dropped within 2 s of revocation', async () => {
    const t = await TestApp.start({ simOptions: { ticksPerSecond: 400 } });
    const violations: string[] = [];
    const errors: string[] = [];
    const contexts: BrowserContext[] = [];
    const probes: KiteWsProbe[] = [];
    const context = async (viewport = { width: 1280, height: 900 }) => {
      const c = await browser.newContext({ viewport, colorScheme: 'dark' });
      await watchCsp(c, violations);
      contexts.push(c);
      const page = await c.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      return { c, page };
    };
    // The API's state, asked with a token of its own (and an address of its own: the panel's budget is its own).
    const apiAdmin = t.token('admin', '1h');
    const api = async (path: string) =>
      (await t.http(path, { token: apiAdmin, headers: { 'x-forwarded-for': '10.88.0.1' } })).body;
    try {
      const { c: adminContext, page } = await context();
      await adminContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
      await page.goto(`${t.url}/`);
      await page.locator('#login').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#admin').isVisible(), false, 'no panel before the login');
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#login-button')]);
      await popup.waitForEvent('close', { timeout: 10_000 });

      // The panel appears for the admin: the session with its countdown, the limits, the clients.
      await page.locator('#admin').waitFor({ state: 'visible' });
      await page.waitForFunction(
        () => document.getElementById('session-state')?.dataset.state === 'AUTHENTICATED',
      );
      await page.waitForFunction(() =>
        /^Expires in \d\d:\d\d:\d\d/.test(document.getElementById('session-expiry')!.textContent),
      );
      assert.match(
        await page.locator('#session-expiry').innerText(),
        /^Expires in \d\d:\d\d:\d\d \(at 06:00 IST\)\.$/,
      );
      assert.match(await page.locator('#session-user').innerText(), /Simulated Trader \(SIM001\)/);
      const limits = await api('/api/admin/limits');
      await page.waitForFunction(() => document.querySelectorAll('#limits-table tbody tr').length === 8);
      for (const [k, v] of Object.entries(limits.limits as Record<string, number>)) {
        const row = await cellTexts(page, `#limits-table tr[data-id="${k}"] td`);
        assert.deepEqual(row, [k.toUpperCase(), v.toLocaleString('en-IN')]);
      }
      assert.deepEqual(await cellTexts(page, '#limits-table tr[data-id="cache_mode"] td'), [
        'cache mode',
        'redis',
      ]);
      await liveTicks(page);
      // A bot on Kite's ticker protocol is listed beside the browser's Socket.IO socket, each with its protocol.
      const kiteBot = new KiteWsProbe(kiteWsUrl(t.url, t.token('viewer', '1h')));
      probes.push(kiteBot);
      assert.equal(await kiteBot.opened, 101);
      kiteBot.send({ a: 'subscribe', v: [408065] });
      const row = (user: string, protocol: string, subs: string) =>
        page.waitForFunction(
          ([u, p, n]) =>
            Array.from(document.querySelectorAll<HTMLTableRowElement>('#clients-nodes tbody tr')).some(
              (tr) =>
                tr.cells[0].textContent === u &&
                tr.cells[1].textContent === p &&
                tr.cells[3].textContent === n,
            ),
          [user, protocol, subs],
          { timeout: 15_000 },
        );
      await row('SIM001', 'socket.io', '4');
      await row('test-viewer', 'kite', '1');
      assert.deepEqual(await cellTexts(page, '#clients-nodes thead th'), [
        'User',
        'Protocol',
        'Role',
        'Subs',
        'Slow',
        'Since',
      ]);

      // An invite, created in the panel, copied with the button, and listed by the API.
      await page.fill('#invite-name', 'Priya Desk');
      await page.fill('#invite-ttl', '1h');
      await page.fill('#invite-from', 'Ravi');
      await page.click('#invite-form button[type="submit"]');
      await page.locator('#invite-result').waitFor({ state: 'visible' });
      const link = await page.inputValue('#invite-value');
      assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/invite#code=[\w-]{22}\.[\w-]{43}$/);
      assert.ok(link.startsWith(`${t.url}/invite#code=`));
      await page.click('#invite-copy');
      await page.waitForFunction(() => document.getElementById('invite-copied')?.textContent === 'Copied.');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
      const invite = ((await api('/api/admin/invites')).invites as any[]).find(
        (i) => i.name === 'Priya Desk',
      );
      assert.deepEqual(
        { state: invite.state, ask: invite.ask, id: link.includes(`#code=${invite.id}.`) },
        { state: 'unused', ask: 'Ravi', id: true },
      );
      const inviteRow = `#invites-table tr[data-id="${invite.id}"]`;
      await page.locator(inviteRow).waitFor();
      assert.equal(await page.locator(`${inviteRow} td:nth-child(2)`).innerText(), 'unused');

      // The viewer opens the link in another browser.
      const { c: viewerContext, page: viewer } = await context();
      const answers: string[] = [];
      const adminCalls: string[] = [];
      viewer.on('request', (r) => {
        if (r.url().includes('/api/admin/')) adminCalls.push(r.url());
      });
      const reads: Promise<void>[] = [];
      viewer.on('response', (r) => {
        if (/\/(api|health)\//.test(r.url())) {
          reads.push(
            r.text().then(
              (b) => void answers.push(b),
              () => undefined,
            ),
          );
        }
      });
      await viewer.goto(link);
      await viewer.waitForURL(`${t.url}/`);
      await liveTicks(viewer);
      assert.match(await viewer.locator('#feed').innerText(), /LIVE/);
      assert.equal(await viewer.locator('#admin').isVisible(), false, 'no admin panel for a viewer');
      assert.equal(await viewer.locator('#login').isVisible(), false);
      assert.equal(await viewer.locator('#auth').innerText(), 'Kite: authenticated');
      const html = await viewer.content();
      await Promise.all(reads);
      assert.ok(
        answers.some((a) => a.includes('"state":"AUTHENTICATED"')),
        'the answers were read',
      );
      for (const who of KITE_USER) {
        assert.ok(!html.includes(who), `the viewer's page shows ${who}`);
        assert.ok(!answers.some((a) => a.includes(who)), `an answer to the viewer names ${who}`);
      }
      assert.deepEqual(adminCalls, [], 'the viewer page asks nothing of the admin API');
      assert.ok(!viewer.url().includes('code='), 'the code left the address bar');
      const [cookie] = await viewerContext.cookies();
      assert.deepEqual(
        { name: cookie.name, httpOnly: cookie.httpOnly },
        { name: 'kr_session', httpOnly: true },
      );
      assert.equal(await viewer.evaluate(() => document.cookie), '', 'the token is out of reach of scripts');
      await viewer.screenshot({ path: join(ARTIFACTS, 'viewer.png'), fullPage: true });

      // The admin sees it: used in the API and the panel, its token listed, its socket among the clients.
      const used = ((await api('/api/admin/invites')).invites as any[]).find((i) => i.id === invite.id);
      assert.equal(used.state, 'used');
      const tokens = (await api('/api/admin/tokens')).tokens as any[];
      assert.equal(tokens.find((e) => e.id === used.token.id)?.kind, 'invite');
      await page.click('#access-refresh');
      await page.waitForFunction(
        (s) => document.querySelector(s)?.textContent === 'used',
        `${inviteRow} td:nth-child(2)`,
      );
      await page.locator(`#tokens-table tr[data-id="${used.token.id}"]`).waitFor();
      assert.deepEqual(
        (await cellTexts(page, `#tokens-table tr[data-id="${used.token.id}"] td`)).slice(0, 3),
        [invite.sub, 'viewer', 'invite'],
      );
      await page.waitForFunction(
        (sub) =>
          Array.from(document.querySelectorAll('#clients-nodes tbody tr td:first-child')).some(
            (td) => td.textContent === sub,
          ),
        invite.sub,
        { timeout: 10_000 },
      );
      await page.screenshot({ path: join(ARTIFACTS, 'admin-panel.png'), fullPage: true });

      // The same link again, elsewhere: refused, with whom to ask, and the code gone from the address bar.
      const { page: again } = await context();
      await again.goto(link);
      await again.waitForFunction(() =>
        /already been used/.test(document.getElementById('invite-message')!.textContent),
      );
      assert.match(await again.locator('#invite-message').innerText(), /Ask Ravi for a new link\./);
      assert.equal(again.url(), `${t.url}/invite`);
      assert.equal(await again.locator('#invite-home').isVisible(), false, 'this browser has no access');
      await again.screenshot({ path: join(ARTIFACTS, 'invite-refused.png') });

      // A token created and revoked in the panel, checked against the API.
      await page.fill('#token-sub', 'panel-bot');
      await page.fill('#token-ttl', '10m');
      await page.click('#token-form button[type="submit"]');
      await page.locator('#token-result').waitFor({ state: 'visible' });
      assert.match(await page.inputValue('#token-value'), /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      const listed = (await api('/api/admin/tokens')).tokens as any[];
      const bot = listed.find((e) => e.sub === 'panel-bot');
      assert.deepEqual({ role: bot.role, kind: bot.kind }, { role: 'viewer', kind: 'api' });
      // Minted by the admin's own dashboard session: the panel names it in "Minted by".
      assert.equal(
        listed.find((e) => e.id === bot.parent)?.sub,
        KITE_USER[0],
        'its parent is the admin session',
      );
      await page.click('#access-refresh');
      await page.locator(`#tokens-table tr[data-id="${bot.id}"]`).waitFor();
      assert.deepEqual((await cellTexts(page, `#tokens-table tr[data-id="${bot.id}"] td`)).slice(0, 5), [
        'panel-bot',
        'viewer',
        'api',
        KITE_USER[0],
        'default',
      ]);
      await page.click(`#tokens-table tr[data-id="${bot.id}"] button[data-action="revoke"]`);
      await page.locator(`#tokens-table tr[data-id="${bot.id}"]`).waitFor({ state: 'detached' });
      assert.ok(!((await api('/api/admin/tokens')).tokens as any[]).some((e) => e.id === bot.id));

      // Revoking the invite in the panel drops the viewer within 2 s, and the page says so.
      const clickedAt = Date.now();
      await page.click(`${inviteRow} button[data-action="revoke"]`);
      await viewer.waitForFunction(
        () =>
          !document.getElementById('login')!.hidden &&
          /access to this dashboard has ended/.test(document.getElementById('login-message')!.textContent),
        undefined,
        { timeout: 2000 },
      );
      const droppedMs = Date.now() - clickedAt;
      assert.ok(droppedMs < 2000, `the viewer was dropped ${droppedMs} ms after the click`);
      assert.equal(await viewer.locator('#feed').innerText(), 'not connected');
      assert.equal(
        await viewer.locator('#login-button').isVisible(),
        false,
        'a viewer is not offered the Kite login',
      );
      await page.locator(inviteRow).waitFor({ state: 'detached' });
      assert.ok(!((await api('/api/admin/tokens')).tokens as any[]).some((e) => e.id === used.token.id));
      assert.ok(!((await api('/api/admin/invites')).invites as any[]).some((i) => i.id === invite.id));
      await viewer.goBack();
      assert.ok(!viewer.url().includes('code='), 'no history entry holds the code');

      // Light when the system asks for it, like the rest of the page.
      const panelBackground = () =>
        page.evaluate(() => getComputedStyle(document.getElementById('admin-session')!).backgroundColor);
      assert.equal(await panelBackground(), 'rgb(23, 26, 33)');
      await page.emulateMedia({ colorScheme: 'light' });
      assert.equal(await panelBackground(), 'rgb(255, 255, 255)');
      await page.locator('#admin').screenshot({ path: join(ARTIFACTS, 'admin-panel-light.png') });
      await page.emulateMedia({ colorScheme: 'dark' });

      // Phones: nothing wider than 360 px, the panel included.
      for (const p of [page, viewer]) {
        await p.setViewportSize({ width: 360, height: 740 });
        const width = await p.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 360, `${p === page ? 'admin' : 'viewer'} page is ${width}px wide at 360px`);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'admin-panel-360.png'), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });

      // A request token installed through the panel; then log out from it.
      const before = (await api('/api/auth/status')).login_time as string;
      const start = await fetch(`${t.url}/api/auth/kite/login`, { redirect: 'manual' });
      const kite = await fetch(start.headers.get('location')!, { redirect: 'manual' });
      const requestToken = new URL(kite.headers.get('location')!).searchParams.get('request_token')!;
      await page.selectOption('#session-kind', 'request_token');
      await page.fill('#session-token', requestToken);
      await page.click('#session-install button[type="submit"]');
      await page.waitForFunction(
        () => (document.getElementById('session-token') as HTMLInputElement).value === '',
      );
      assert.equal(await page.locator('#session-error').isVisible(), false);
      const after = await api('/api/auth/status');
      assert.equal(after.state, 'AUTHENTICATED');
      assert.ok(Date.parse(after.login_time) > Date.parse(before), 'a new session');
      await page.fill('#session-token', 'not a token!');
      await page.click('#session-install button[type="submit"]');
      await page.locator('#session-error').waitFor({ state: 'visible' });
      assert.match(
        await page.locator('#session-error').innerText(),
        /request_token must be the token string Kite issued/,
      );

      await page.click('#session-logout');
      await page.locator('#admin').waitFor({ state: 'hidden' });
      assert.equal((await api('/api/auth/status')).state, 'UNAUTHENTICATED');
      await page.locator('#login').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#invites-table tbody tr').count(), 0, 'nothing of the panel stays');

      assert.deepEqual(errors, []);
      assert.deepEqual(violations, [], 'the panel and the invite page work under the CSP');
    } finally {
      for (const p of probes) p.close();
      for (const c of contexts) await c.close();
      await t.close();
    }
  });
});
