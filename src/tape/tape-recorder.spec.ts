import { Logger } from '@nestjs/common';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../clock/clock.js';
import type { OwnershipState, UpstreamOwnership } from '../cluster/upstream-ownership.js';
import { AppConfigService } from '../config/app-config.service.js';
import { loadConfig } from '../config/load-config.js';
import { RelayEvents } from '../events/relay-events.js';
import type { InstrumentsService } from '../instruments/instruments.service.js';
import type { SourceEvent, SourceFrame, TickSource } from '../market-feed/tick-source.js';
import { BUILTIN_CALENDAR_FILE, loadCalendar } from '../market-status/calendar.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { readDay } from './day-reader.js';
import { RecordKind } from './tape-format.js';
import { RECORD_QUEUE_BYTES, TapeRecorder } from './tape-recorder.service.js';
import { waitFor } from '../../test/helpers/wait.js';

const DAY = '2026-12-01';
Logger.overrideLogger(false);
const calendar = loadCalendar(BUILTIN_CALENDAR_FILE);

class FakeSource implements TickSource {
  private readonly frames = new Set<(f: SourceFrame) => void>();
  private readonly events = new Set<(e: SourceEvent) => void>();
  onFrame(l: (f: SourceFrame) => void) {
    this.frames.add(l);
    return () => this.frames.delete(l);
  }
  onUpstreamEvent(l: (e: SourceEvent) => void) {
    this.events.add(l);
    return () => this.events.delete(l);
  }
  frame(data: Buffer, fencing: number | null = null, origin: 'upstream' | 'bus' = 'upstream') {
    const f = { data, receivedAt: Date.now(), shard: 0, fencing, origin, dropRepeats: false };
    for (const l of this.frames) l(f);
  }
  event(e: SourceEvent) {
    for (const l of this.events) l(e);
  }
}

function setup(env: Record<string, string> = {}, start = `${DAY}T10:00:00+05:30`) {
  const dir = mkdtempSync(join(tmpdir(), 'kr-rec-'));
  const loaded = loadConfig({
    RECORD: 'on',
    RECORD_DIR: dir,
    RECORD_MIN_FREE_BYTES: '0',
    NODE_ID: 'n1',
    ...env,
  });
  assert.ok(loaded.ok);
  const clock = new FakeClock(start);
  const source = new FakeSource();
  const events = new RelayEvents();
  const lease: OwnershipState = { role: 'standalone', holder: null, fencing: null, redisUp: true };
  const sut = new TapeRecorder(
    new AppConfigService(loaded.config),
    clock,
    calendar,
    source,
    events,
    { master: undefined } as unknown as InstrumentsService,
    { state: lease } as unknown as UpstreamOwnership,
    new MetricsService(),
  );
  sut.onApplicationBootstrap();
  return { dir, clock, source, events, sut };
}

const frame = (i: number) => Buffer.from([0, 1, 0, 8, 0, 6, 0x3a, 0x01, 0, 0, i >> 8, i & 0xff]);
const text = (type: string) => `{"type":"${type}","data":"x"}`;

describe('TapeRecorder', () => {
  it('records message and error text frames as received; order postbacks only with RECORD_ORDERS=on', async () => {
    for (const orders of ['off', 'on']) {
      const { dir, source, sut } = setup({ RECORD_ORDERS: orders });
      source.frame(frame(1));
      for (const type of ['message', 'error', 'order'] as const) {
        source.event({ kind: 'text', shard: 0, text: text(type), type, receivedAt: 0, fencing: null });
      }
      await sut.onApplicationShutdown();
      const texts = readDay(dir, DAY)[0].records.filter((r) => r.kind === RecordKind.text);
      const want = orders === 'on' ? ['message', 'error', 'order'] : ['message', 'error'];
      assert.deepEqual(
        texts.map((r) => r.payload.toString()),
        want.map(text),
      );
    }
  });

  it('writes nothing outside the calendar window, and closes the segment when it ends', async () => {
    const { dir, clock, source, sut } = setup({}, `${DAY}T08:00:00+05:30`);
    source.frame(frame(1));
    assert.equal(existsSync(join(dir, DAY)), false);
    clock.set(`${DAY}T16:04:59+05:30`);
    source.frame(frame(2));
    clock.set(`${DAY}T16:05:00+05:30`);
    source.frame(frame(3));
    await sut.onApplicationShutdown();
    const frames = readDay(dir, DAY).flatMap((s) => s.records.filter((r) => r.kind === RecordKind.frame));
    assert.deepEqual(
      frames.map((r) => r.payload[11]),
      [2],
    );
  });

  it('never records bus frames; a new tenure opens a new segment that starts with its lease and a takeover gap', async () => {
    const { dir, clock, source, events, sut } = setup();
    source.frame(frame(1), 3, 'bus');
    clock.advance(2000);
    events.emit('ownership.changed', { role: 'holder', holder: 'n1', fencing: 4, redisUp: true });
    source.frame(frame(2), 4);
    clock.advance(1000);
    events.emit('ownership.changed', { role: 'follower', holder: 'n2', fencing: 5, redisUp: true });
    source.frame(frame(3), 5, 'bus');
    events.emit('ownership.changed', { role: 'holder', holder: 'n1', fencing: 6, redisUp: true });
    source.frame(frame(4), 6);
    await sut.onApplicationShutdown();
    const segments = readDay(dir, DAY);
    assert.deepEqual(
      segments.map((s) => s.header.fencing),
      [4, 6],
    );
    const [first, second] = segments;
    assert.deepEqual(
      first.records.map((r) => r.kind),
      [RecordKind.lease, RecordKind.gap, RecordKind.frame, RecordKind.lease],
    );
    const gap = JSON.parse(first.records[1].payload.toString()) as Record<string, unknown>;
    assert.deepEqual(gap, {
      from: Date.parse(`${DAY}T10:00:00+05:30`),
      to: Date.parse(`${DAY}T10:00:02+05:30`),
      reason: 'takeover',
      previous_fencing: 3,
      dropped: 0,
    });
    assert.deepEqual(
      second.records.filter((r) => r.kind === RecordKind.frame).map((r) => r.payload[11]),
      [4],
    );
  });

  it('past RECORD_QUEUE_BYTES whole frames are dropped, counted, and a gap record says how many', async () => {
    const { dir, source, sut } = setup();
    const big = Buffer.alloc(1024 * 1024, 7);
    const n = RECORD_QUEUE_BYTES / big.length + 8;
    for (let i = 0; i < n; i++) source.frame(big);
    const dropped = sut.status.frames_dropped;
    assert.ok(dropped >= 8, `dropped ${dropped}`);
    await waitFor(() => sut.status.queued_bytes === 0, 'the queue written');
    source.frame(frame(9));
    await sut.onApplicationShutdown();
    const records = readDay(dir, DAY)[0].records;
    assert.equal(records.filter((r) => r.kind === RecordKind.frame).length, n - dropped + 1);
    const [gap, last] = records.slice(-2);
    assert.equal(gap.kind, RecordKind.gap);
    assert.deepEqual(
      [JSON.parse(gap.payload.toString()).reason, JSON.parse(gap.payload.toString()).dropped],
      ['queue_full', dropped],
    );
    assert.deepEqual(last.payload, frame(9));
  });
});
