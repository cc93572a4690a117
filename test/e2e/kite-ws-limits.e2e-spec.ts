import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { TokenService } from '../../src/auth/token.service.js';
import { MARKET_NAMESPACE, type SubscribeAck } from '../../src/contracts/socket-protocol.contract.js';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { outcome, type MarketClient } from '../helpers/fairness.js';
import { KiteWsProbe, kiteWsUrl } from '../helpers/kite-ws-client.js';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const INFY = 408065;
const TCS = 2953217;
const NIFTY = 256265;
const RELIANCE = 738561;

describe('kite-ws limits shared with Socket.IO: one user over both protocols', () => {
  let t: TestApp;
  const probes: KiteWsProbe[] = [];
  const token = (sub: string) => t.get(TokenService).mint(sub, 'viewer').token;
  const kite = (tok: string) => {
    const p = new KiteWsProbe(kiteWsUrl(t.url, tok));
    probes.push(p);
    return p;
  };
  const subscribe = (s: MarketClient, instruments: string[]): Promise<SubscribeAck> =>
    s.timeout(10_000).emitWithAck('subscribe', { instruments });

  before(async () => {
    t = await TestApp.start({ env: { MAX_CONNECTIONS_PER_USER: '3', MAX_INSTRUMENTS_PER_USER: '3' } });
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    await waitFor(() => t.get(InstrumentsService).size > 1000, 'instrument master');
  });
  after(async () => {
    for (const p of probes) p.close();
    await t.close();
  });

  it('MAX_CONNECTIONS_PER_USER counts Socket.IO sockets and /kite/ws connections together: the extra one is refused on either protocol', async () => {
    const tok = token('mixed-conns');
    const io1 = t.client({ token: tok });
    assert.equal(await outcome(io1), 'connected');
    assert.equal(await kite(tok).opened, 101);
    const k2 = kite(tok);
    assert.equal(await k2.opened, 101);
    // 3 of 3: the fourth is refused whichever protocol it speaks.
    assert.equal(await kite(tok).opened, 429, '/kite/ws past the cap');
    assert.equal(await outcome(t.client({ token: tok })), 'too_many_connections', 'Socket.IO past the cap');
    // A Kite-protocol connection gone gives its place to a Socket.IO one, and the other way round.
    k2.close();
    await waitFor(
      async () => (await outcome(t.client({ token: tok }))) === 'connected',
      'the place given back to Socket.IO',
    );
    assert.equal(await kite(tok).opened, 429);
    io1.disconnect();
    await waitFor(async () => (await kite(tok).opened) === 101, 'the place given back to /kite/ws');
    // Another user is not touched by this one's count.
    assert.equal(await kite(token('mixed-other')).opened, 101);
  });

  it('MAX_INSTRUMENTS_PER_USER counts distinct instruments over both protocols: past it an error frame on /kite/ws, user_limit on Socket.IO', async () => {
    const tok = token('mixed-instruments');
    const s = t.client({ token: tok });
    assert.equal(await outcome(s), 'connected');
    const k = kite(tok);
    assert.equal(await k.opened, 101);
    const held = await subscribe(s, ['NSE:INFY', 'NSE:TCS']);
    assert.ok(held.ok, JSON.stringify(held));
    // INFY is already the user's (on Socket.IO): only NIFTY is new, the third of 3.
    k.send({ a: 'subscribe', v: [INFY, NIFTY] });
    await waitFor(() => k.lengthsOf(INFY).size > 0 && k.lengthsOf(NIFTY).size > 0, 'INFY and NIFTY ticking');
    assert.equal(k.texts.length, 0, 'no error within the cap');

    k.send({ a: 'subscribe', v: [RELIANCE] });
    await waitFor(() => k.texts.length > 0, 'an error frame');
    assert.equal(k.texts[0].type, 'error');
    assert.match(
      k.texts[0].data,
      /^subscribe: at most 3 distinct instruments per user over all its connections/,
    );
    assert.match(k.texts[0].data, /holds 3 and the request adds 1/);

    const over = await subscribe(s, ['NSE:RELIANCE']);
    assert.ok(!over.ok && over.error.code === 'user_limit', JSON.stringify(over));
    // TCS is the user's already: the Kite-protocol connection may take it.
    k.send({ a: 'subscribe', v: [TCS] });
    await waitFor(() => k.lengthsOf(TCS).size > 0, 'TCS ticking on /kite/ws');
    assert.equal(k.lengthsOf(RELIANCE).size, 0, 'nothing past the cap');
    assert.equal(k.texts.length, 1, 'no error for an instrument the user holds');
  });
});

describe('kite-ws per-address limit: upgrades refused for their token count toward MAX_UNAUTHENTICATED_PER_ADDRESS', () => {
  let t: TestApp;
  const probes: KiteWsProbe[] = [];
  const from = (address: string, token?: string) => {
    const p = new KiteWsProbe(kiteWsUrl(t.url, token), { 'x-forwarded-for': address });
    probes.push(p);
    return p.opened;
  };
  const valid = () => t.get(TokenService).mint('address-bot', 'viewer').token;
  const sockets: MarketClient[] = [];
  const ioFrom = (address: string): MarketClient => {
    const s: MarketClient = io(t.url + MARKET_NAMESPACE, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: valid() },
      extraHeaders: { 'x-forwarded-for': address },
    });
    sockets.push(s);
    return s;
  };

  before(async () => {
    t = await TestApp.start({ redis: false, env: { MAX_UNAUTHENTICATED_PER_ADDRESS: '3' } });
  });
  after(async () => {
    for (const p of probes) p.close();
    for (const s of sockets) s.disconnect();
    await t.close();
  });

  it('a tokenless flood from one address is refused 429 before its tokens are verified; another address is unaffected', async () => {
    const flood = '10.70.0.1';
    const other = '10.70.0.2';
    const verified = { n: 0 };
    const tokens = t.get(TokenService);
    const admit = tokens.admit.bind(tokens);
    tokens.admit = (...args) => (verified.n++, admit(...args));
    try {
      const bad = valid().slice(0, -3) + 'abc';
      assert.deepEqual(
        [await from(flood), await from(flood, bad), await from(flood, 'x')],
        [403, 403, 403],
        'three refused tokens fill the cap of 3',
      );
      assert.equal(verified.n, 3);
      assert.equal(await from(flood, bad), 429, 'the fourth is refused as too many');
      assert.equal(await from(flood, valid()), 429, 'so is a good token from that address, for now');
      assert.equal(verified.n, 3, 'neither was verified');

      // Another address is counted apart: its good token connects, its bad one is the 403 it was.
      assert.equal(await from(other, valid()), 101);
      assert.equal(await from(other), 403);
      // One count per address for both protocols: Socket.IO from the flooding address is refused too.
      assert.notEqual(await outcome(ioFrom(flood)), 'connected');
      assert.equal(await outcome(ioFrom(other)), 'connected');
    } finally {
      tokens.admit = admit;
    }
    const metrics = (await t.http('/metrics')).text;
    assert.match(metrics, /kite_relay_kite_ws_refused_total\{reason="too_many_from_address"\} 2\b/);
  });
});
