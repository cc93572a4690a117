import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock/clock.js';
import { PacedPump } from './paced-pump.js';

/** Lets the pump's awaits settle (no time passes: the slot is the fake clock's). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A pump over a list of work, its slot one call every `gapMs` of a fake clock. */
function setup(gapMs = 350) {
  const clock = new FakeClock('2026-12-01T10:00:00+05:30');
  const work: string[] = [];
  const dispatched: { item: string; at: number }[] = [];
  let slots = 0;
  let next = clock.now();
  const pump = new PacedPump({
    pending: () => work.length > 0,
    slot: () => {
      slots++;
      const at = Math.max(clock.now(), next);
      next = at + gapMs;
      // A fake clock fires only as it moves: a slot free now opens now.
      if (at <= clock.now()) return Promise.resolve();
      return new Promise<void>((resolve) => clock.at(at, resolve));
    },
    dispatch: () => dispatched.push({ item: work.shift()!, at: clock.now() }),
  });
  return { clock, work, dispatched, pump, slots: () => slots };
}

describe('PacedPump: one dispatch per slot while work waits', () => {
  it('dispatches one item per slot, in order, at the slot’s pace, however often it is kicked', async () => {
    const { clock, work, dispatched, pump } = setup();
    work.push('a', 'b', 'c');
    for (let i = 0; i < 5; i++) pump.kick();
    await settle();
    assert.deepEqual(
      dispatched.map((d) => d.item),
      ['a'],
    );
    clock.advance(350);
    await settle();
    clock.advance(350);
    await settle();
    assert.deepEqual(
      dispatched.map((d) => d.item),
      ['a', 'b', 'c'],
    );
    const t0 = dispatched[0].at;
    assert.deepEqual(
      dispatched.map((d) => d.at - t0),
      [0, 350, 700],
    );
  });

  it('stops when the queue is empty, and a later kick starts it again at the pace', async () => {
    const { clock, work, dispatched, pump, slots } = setup();
    work.push('a');
    pump.kick();
    await settle();
    assert.equal(dispatched.length, 1);
    await settle();
    assert.equal(slots(), 1, 'no slot is taken with nothing waiting');
    work.push('b');
    pump.kick();
    await settle();
    assert.equal(dispatched.length, 1, 'the next slot is a gap after the last');
    clock.advance(350);
    await settle();
    assert.deepEqual(
      dispatched.map((d) => d.item),
      ['a', 'b'],
    );
  });

  it('work added while the loop waits for its slot is taken without another kick', async () => {
    const { clock, work, dispatched, pump } = setup();
    work.push('a', 'b');
    pump.kick();
    await settle();
    work.push('c');
    clock.advance(700);
    await settle();
    assert.deepEqual(
      dispatched.map((d) => d.item),
      ['a', 'b', 'c'],
    );
  });

  it('waits for collect before its first slot, so work arriving together goes together', async () => {
    const work: string[] = [];
    const batches: string[][] = [];
    let release!: () => void;
    const pump = new PacedPump({
      pending: () => work.length > 0,
      collect: () => new Promise<void>((r) => (release = r)),
      slot: () => Promise.resolve(),
      dispatch: () => batches.push(work.splice(0)),
    });
    work.push('a');
    pump.kick();
    work.push('b');
    pump.kick();
    await settle();
    assert.deepEqual(batches, []);
    release();
    await settle();
    assert.deepEqual(batches, [['a', 'b']]);
  });

  it('dispatches nothing once closed, even from a slot already waited for', async () => {
    const { clock, work, dispatched, pump } = setup();
    work.push('a', 'b');
    pump.kick();
    await settle();
    pump.close();
    clock.advance(1000);
    await settle();
    pump.kick();
    await settle();
    assert.deepEqual(
      dispatched.map((d) => d.item),
      ['a'],
    );
  });
});
