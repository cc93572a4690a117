import type { Tick } from '../../src/kite/tick.js';
import type { FeedStatus } from '../../src/market-feed/market-feed.constants.js';
import type { MarketClient } from './test-cluster.js';

/**
 * What one client saw: every tick with its arrival time, feed states, disconnects, and every
 * repeat of an instrument's (volume, price) — the simulator's volume grows with every trade, so a
 * repeat is a tick delivered twice.
 */
export class TickProbe {
  readonly ticks: { tick: Tick; at: number }[] = [];
  readonly states: FeedStatus[] = [];
  readonly duplicates: string[] = [];
  disconnects = 0;
  private readonly seen = new Set<string>();

  constructor(readonly socket: MarketClient) {
    socket.on('ticks', (ticks) => {
      const at = Date.now();
      for (const tick of ticks) {
        this.ticks.push({ tick, at });
        if (tick.volume === undefined) continue;
        const key = `${tick.instrument_token}:${tick.volume}:${tick.last_price}`;
        if (this.seen.has(key)) this.duplicates.push(key);
        this.seen.add(key);
      }
    });
    socket.on('feed_status', (s) => this.states.push(s));
    socket.on('disconnect', () => this.disconnects++);
  }

  /** Ticks received after `t` (ms). */
  since(t: number): number {
    let n = 0;
    for (let i = this.ticks.length - 1; i >= 0 && this.ticks[i].at > t; i--) n++;
    return n;
  }

  /** The first tick received after `t`, or undefined. */
  firstAfter(t: number): number | undefined {
    return this.ticks.find((x) => x.at > t)?.at;
  }

  tokens(): Set<number> {
    return new Set(this.ticks.map((x) => x.tick.instrument_token));
  }
}
