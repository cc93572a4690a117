import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TestApp } from '../helpers/test-app.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;

const lastPrice = (page: Page, symbol: string) =>
  page.locator(`tr[data-symbol="${symbol}"] td[data-field="last_price"]`);

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

describe('dashboard in a real browser (Debian chromium)', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launch();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });

  it('login popup → live table; add NSE:INFY and see it move; depth; 360 px; /__sim/expire shows the log-in prompt', async () => {
    const t = await TestApp.start({ simOptions: { ticksPerSecond: 400 } });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    try {
      // Every CSP violation of every page (the login popup too): as an event and as a console error.
      const violations: string[] = [];
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
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // The tick events the page's socket receives: it asks for compact ticks, so no tick objects.
      const tickFrames = { ticks_compact: 0, ticks: 0 };
      page.on('websocket', (ws) =>
        ws.on('framereceived', ({ payload }) => {
          const event = /^42\/market,\["(ticks(?:_compact)?)"/.exec(String(payload))?.[1];
          if (event === 'ticks' || event === 'ticks_compact') tickFrames[event]++;
        }),
      );
      await page.goto(`${t.url}/`);
      // No dashboard session yet: the page says so and offers the button.
      await page.locator('#login').waitFor({ state: 'visible' });
      assert.match(await page.locator('#login-message').innerText(), /Log in with Kite/);

      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#login-button')]);
      await popup.waitForEvent('close', { timeout: 10_000 });
      // Without a reload: the prompt goes away, the socket connects, the default watchlist fills.
      await page.locator('#login').waitFor({ state: 'hidden' });
      await page.waitForFunction(() =>
        /^[\d,]+\.\d+/.test(
          document.querySelector('tr[data-symbol="NSE:RELIANCE"] td[data-field="last_price"]')?.textContent ??
            '',
        ),
      );
      assert.match(await page.locator('#auth').innerText(), /Simulated Trader/);
      assert.match(await page.locator('#feed').innerText(), /LIVE/);

      await page.fill('#search', 'INFY');
      await page.click('#results button[data-symbol="NSE:INFY"]');
      const infy = lastPrice(page, 'NSE:INFY');
      await page.waitForFunction(() =>
        /\d/.test(
          document.querySelector('tr[data-symbol="NSE:INFY"] td[data-field="last_price"]')?.textContent ?? '',
        ),
      );
      const first = await infy.innerText();
      await page.waitForFunction(
        (p) => {
          const now = document.querySelector(
            'tr[data-symbol="NSE:INFY"] td[data-field="last_price"]',
          )?.textContent;
          return now !== p && /\d/.test(now ?? '');
        },
        first,
        { timeout: 10_000 },
      );
      const stored = await page.evaluate(() => localStorage.getItem('kite-relay.watchlist'));
      assert.ok(JSON.parse(stored!).includes('NSE:INFY'), 'kept in localStorage');
      assert.match(
        await page.locator('tr[data-symbol="NSE:INFY"] td[data-field="change_percent"]').innerText(),
        /%$/,
      );
      assert.match(await page.locator('#tick-age').innerText(), /last tick \d+\.\d s ago/);
      // Those prices came as ticks_compact rows, decoded by the contract's decoder the page loads.
      assert.ok(tickFrames.ticks_compact > 0, 'the page got ticks_compact');
      assert.equal(tickFrames.ticks, 0, 'and no tick objects');
      const decoder = await t.http('/contracts/compact-tick.contract.js');
      assert.equal(decoder.status, 200);
      assert.match(decoder.headers.get('content-type') ?? '', /javascript/);
      const compiled = join(import.meta.dirname, '..', '..', 'src', 'contracts', 'compact-tick.contract.js');
      assert.equal(decoder.text, readFileSync(compiled, 'utf8'), "the gateway's own decoder, as compiled");

      // Depth and the chart for the selected instrument (full mode).
      const candlesAsked = page.waitForRequest((r) => r.url().includes('/api/candles?i=NSE%3AINFY'));
      await page.click('tr[data-symbol="NSE:INFY"] td[data-field="time"]');
      await page.locator('#depth').waitFor({ state: 'visible' });
      await page.waitForFunction(() => document.querySelectorAll('#depth-rows tr').length === 5);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

      await candlesAsked;
      await page.locator('#chart-panel').waitFor({ state: 'visible' });
      const canvas = await page.waitForFunction(() => {
        const c = Array.from(document.querySelectorAll<HTMLCanvasElement>('#chart canvas')).find(
          (x) => x.width > 0 && x.height > 0,
        );
        return c && { width: c.width, height: c.height };
      });
      assert.ok((await canvas.jsonValue())!.width > 100, 'a drawn canvas');
      await page.waitForFunction(
        () => Number(document.getElementById('chart')?.dataset.count) > 0,
        undefined,
        {
          timeout: 10_000,
        },
      );
      const lastBar = () => page.locator('#chart').getAttribute('data-last');
      const before = await lastBar();
      await page.waitForFunction(
        (b) => {
          const now = document.getElementById('chart')?.dataset.last;
          return now && now !== b;
        },
        before,
        { timeout: 10_000 },
      );
      // Read together, so no tick lands between the two.
      const shown = await page.evaluate(() => ({
        bar: document.getElementById('chart')!.dataset.last!,
        price: document.querySelector('tr[data-symbol="NSE:INFY"] td[data-field="last_price"]')!.textContent,
      }));
      const [time, open, high, low, close] = shown.bar.split(',').map(Number);
      assert.equal(time % 60, 0, 'the bar starts on a minute');
      assert.ok(high >= Math.max(open, close) && low <= Math.min(open, close));
      assert.equal(
        close,
        Number(shown.price.replace(/,/g, '')),
        "the last candle's close is the last price shown",
      );
      assert.match(await page.locator('#chart-panel').innerText(), /TradingView/);
      assert.equal(
        await page.locator('#chart-panel a[href="https://www.tradingview.com/"]').count(),
        1,
        'the attribution links to TradingView',
      );
      const pixel = () =>
        page.evaluate(() => {
          const c = document.querySelector<HTMLCanvasElement>('#chart canvas')!;
          const [r, g, b] = c.getContext('2d')!.getImageData(4, 4, 1, 1).data;
          return (r + g + b) / 3;
        });
      assert.ok((await pixel()) < 80, 'dark chart on a dark page');
      await page.emulateMedia({ colorScheme: 'light' });
      await page.waitForFunction(() => {
        const c = document.querySelector<HTMLCanvasElement>('#chart canvas')!;
        const [r, g, b] = c.getContext('2d')!.getImageData(4, 4, 1, 1).data;
        return (r + g + b) / 3 > 200;
      });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.locator('#chart-panel').screenshot({ path: join(ARTIFACTS, 'dashboard-chart.png') });
      assert.equal(
        await page.locator('script:not([src])').count(),
        0,
        'no inline script (a CSP will forbid it)',
      );

      // A phone: nothing wider than the screen.
      await page.setViewportSize({ width: 360, height: 740 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(overflow <= 360, `page is ${overflow}px wide at 360px`);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-360.png'), fullPage: true });

      // Remove survives a reload.
      await page.click('tr[data-symbol="NSE:TCS"] button.remove');
      await page.reload();
      await page.locator('tr[data-symbol="NSE:INFY"]').waitFor();
      assert.equal(await page.locator('tr[data-symbol="NSE:TCS"]').count(), 0);

      await t.simControl('expire');
      await page.locator('#login').waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await page.locator('#login-message').innerText(), /expired/);
      assert.match(await page.locator('#feed').innerText(), /AUTH REQUIRED/);
      assert.deepEqual(errors, []);
      assert.ok(
        (await t.http('/')).headers.get('content-security-policy')?.includes("script-src 'self'"),
        'the page ran under the CSP',
      );
      assert.deepEqual(violations, [], 'the dashboard and the login popup work under the CSP');
    } finally {
      await context.close();
      await t.close();
    }
  });

  it('with CLOCK_START just before 09:15 IST the banner turns LIVE at the transition, without a reload', async () => {
    // 10 s of PRE_OPEN at boot: room for the boot, the login and the page load on a loaded CI machine.
    const t = await TestApp.start({ env: { CLOCK_START: '2026-12-01T09:14:50+05:30' }, redis: false });
    const context = await browser.newContext();
    try {
      const cookie = (await t.login()).split('=');
      await context.addCookies([{ name: cookie[0], value: cookie.slice(1).join('='), url: t.url }]);
      const page = await context.newPage();
      await page.goto(`${t.url}/`);
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      await page.waitForFunction(() => document.getElementById('market')?.dataset.status === 'PRE_OPEN');
      assert.match(await page.locator('#market-next').innerText(), /^LIVE in 00:00:(0\d|10)$/);
      // At the change the page takes a fresh snapshot, so nothing shown predates it.
      const snapshot = page.waitForRequest((r) => r.url().includes('/api/quotes?'), { timeout: 17_000 });
      await page.waitForFunction(
        () => document.getElementById('market')?.dataset.status === 'LIVE',
        undefined,
        {
          timeout: 15_000,
        },
      );
      assert.match(await page.locator('#market').innerText(), /NSE LIVE/);
      assert.match((await snapshot).url(), /i=NSE%3ARELIANCE/);
      assert.match(await page.locator('#market-next').innerText(), /^POST CLOSE in 06:1\d:\d\d$/);
      assert.equal(
        await page.evaluate(() => (window as unknown as { marker?: number }).marker),
        1,
        'no reload',
      );
    } finally {
      await context.close();
      await t.close();
    }
  });

  it('a page of another origin that frames the dashboard shows nothing of it (frame-ancestors, X-Frame-Options)', async () => {
    const t = await TestApp.start({ redis: false });
    // The attacker's page on another port frames the dashboard, and (control) a page of its own.
    const attacker = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(
        req.url === '/inner'
          ? '<p id="inner">framed fine</p>'
          : `<iframe id="victim" src="${t.url}/"></iframe><iframe id="own" src="/inner"></iframe>`,
      );
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const refused = page.waitForEvent('console', {
        predicate: (m) => /frame-ancestors|X-Frame-Options|Refused to (display|frame)/.test(m.text()),
        timeout: 10_000,
      });
      await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
      const own = (await (await page.$('#own'))!.contentFrame())!;
      await own.locator('#inner').waitFor();
      await refused;
      const victim = (await (await page.$('#victim'))!.contentFrame())!;
      assert.equal(await victim.locator('#watchlist, #login-button').count(), 0, 'the dashboard rendered');
      assert.doesNotMatch(victim.url(), new RegExp(`^${t.url}`));
    } finally {
      await context.close();
      attacker.close();
      await t.close();
    }
  });
});
