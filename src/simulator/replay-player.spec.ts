import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame } from '../kite/decode-frame.js';
import { encodeFrame, encodeHeartbeat } from '../kite/encode-frame.js';
import { framePackets } from '../kite/frame-packets.js';
import type { TickMode } from '../kite/kite.constants.js';
import { MarketModel } from './market-model.js';
import { ReplayPlayer, type ReplayFrame } from './replay-player.js';
import { buildUniverse } from './universe.js';

const INFY = 408065;
const NIFTY = 256265;
const T0 = Date.parse('2026-12-01T09:15:00+05:30');
const model = new MarketModel(buildUniverse(0));
const full = encodeFrame([
  { tick: model.step(INFY, T0)!, mode: 'full' },
  { tick: model.step(NIFTY, T0)!, mode: 'full' },
]);

describe('simulator replay', () => {
  it('cuts a recorded frame to each connection: its instruments, its mode as a byte prefix, else the same buffer', () => {
    const slices = framePackets(full);
    const modes = (m: [number, TickMode][]) => new Map(m);
    assert.equal(
      ReplayPlayer.slice(
        full,
        slices,
        modes([
          [INFY, 'full'],
          [NIFTY, 'full'],
        ]),
      ),
      full,
    );
    const ltp = ReplayPlayer.slice(full, slices, modes([[INFY, 'ltp']]))!;
    assert.deepEqual(
      [...framePackets(ltp)].map((p) => p.length),
      [8],
    );
    assert.deepEqual(ltp.subarray(4), full.subarray(4, 12));
    const quote = ReplayPlayer.slice(
      full,
      slices,
      modes([
        [INFY, 'quote'],
        [NIFTY, 'quote'],
      ]),
    )!;
    assert.deepEqual(
      framePackets(quote).map((p) => p.length),
      [44, 28],
    );
    const ticks = decodeFrame(quote).ticks;
    assert.deepEqual(
      ticks.map((t) => t.mode),
      ['quote', 'quote'],
    );
    assert.equal(ticks[0].last_price, decodeFrame(full).ticks[0].last_price);
    assert.equal(ReplayPlayer.slice(full, slices, modes([[123, 'full']])), undefined);
  });

  it('plays frames at their times scaled by speed, from the first start(), skipping recorded heartbeats', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const tape: ReplayFrame[] = [
      { at: T0, data: full },
      { at: T0 + 500, data: encodeHeartbeat() },
      { at: T0 + 1000, data: full },
      { at: T0 + 5000, data: full },
    ];
    const sut = new ReplayPlayer({ open: () => tape.values(), startsAt: T0, speed: 10 });
    assert.equal(sut.now(), T0);
    assert.deepEqual(sut.due(), [], 'nothing before the first subscription');
    sut.start();
    assert.equal(sut.due().length, 1);
    t.mock.timers.tick(100); // 1 s of tape
    assert.equal(sut.now(), T0 + 1000);
    assert.equal(sut.due().length, 1);
    t.mock.timers.tick(400);
    assert.equal(sut.finished, false);
    assert.equal(sut.due().length, 1);
    assert.equal(sut.finished, true, 'frames stop at the end of the tape');
    assert.deepEqual(sut.due(), []);
    assert.equal(sut.quote(INFY)?.last_price, decodeFrame(full).ticks[0].last_price);
  });

  it('--loop starts the tape over at its end', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const tape: ReplayFrame[] = [
      { at: T0, data: full },
      { at: T0 + 1000, data: full },
    ];
    const sut = new ReplayPlayer({
      open: () => tape.values(),
      startsAt: T0,
      speed: 1,
      startNow: true,
      loop: true,
    });
    assert.equal(sut.due().length, 1);
    t.mock.timers.tick(1000);
    assert.equal(sut.due().length, 2, 'the last frame, then the first again');
    assert.equal(sut.now(), T0);
  });
});
