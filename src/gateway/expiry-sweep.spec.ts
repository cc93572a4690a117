import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ExpirySweep, SWEEP_STEP_MS } from './expiry-sweep.js';

describe('ExpirySweep: one timer ends every client at its expiry', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  /** Moves the fake clock in small steps; returns when (ms from start) each item was ended. */
  function run(sweep: ExpirySweep<string>, ended: Map<string, number>, ms: number, start: number) {
    for (let t = 0; t < ms; t += 10) mock.timers.tick(10);
    return [...ended].map(([k, at]) => [k, at - start] as const);
  }

  it('ends each item at its expiry, at most one step late, never early', () => {
    const ended = new Map<string, number>();
    const sweep = new ExpirySweep<string>((k) => ended.set(k, Date.now()));
    const start = Date.now();
    sweep.add('a', start + 1000);
    sweep.add('b', start + 1010);
    sweep.add('c', start + 3333);
    const got = run(sweep, ended, 4000, start);
    assert.deepEqual(
      got.map(([k]) => k),
      ['a', 'b', 'c'],
    );
    for (const [k, at] of got) {
      const due = { a: 1000, b: 1010, c: 3333 }[k]!;
      assert.ok(at >= due && at <= due + SWEEP_STEP_MS, `${k} ended at ${at}, due ${due}`);
    }
    assert.equal(sweep.size, 0);
  });

  it('a removed item is not ended; an expiry in the past ends at the next step; re-adding moves it', () => {
    const ended = new Map<string, number>();
    const sweep = new ExpirySweep<string>((k) => ended.set(k, Date.now()));
    const start = Date.now();
    sweep.add('gone', start + 500);
    sweep.add('late', start - 60_000);
    sweep.add('moved', start + 300);
    sweep.add('moved', start + 2000);
    sweep.remove('gone');
    const got = new Map(run(sweep, ended, 2500, start));
    assert.equal(got.has('gone'), false);
    assert.ok(got.get('late')! <= SWEEP_STEP_MS);
    assert.ok(got.get('moved')! >= 2000);
  });

  it('a blocked event loop catches up: everything due is ended at the next step', () => {
    const ended: string[] = [];
    const sweep = new ExpirySweep<string>((k) => ended.push(k));
    const start = Date.now();
    for (let i = 0; i < 1000; i++) sweep.add(`c${i}`, start + 100 + i);
    mock.timers.setTime(start + 5000); // nothing ran for 5 s
    sweep.sweep();
    assert.equal(ended.length, 1000);
    assert.equal(sweep.size, 0);
  });
});
