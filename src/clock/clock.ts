/** A cancellable timer handle returned by a `Clock`. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * The one source of "now" for market and business time: market status, session expiry, candles,
 * quote ages. Tests substitute `FakeClock` and move time instead of waiting for it; CLOCK_START
 * shifts it. Transport timing (backoff, watchdog, rate limits, JWT `exp`, lease renewal) uses
 * `Date.now()` and timers directly: those follow the wall clock whatever the market's time is.
 */
export abstract class Clock {
  abstract now(): number;
  /** Calls `fn` once the clock reads `at` (epoch ms) or later. */
  abstract at(at: number, fn: () => void): ClockTimer;

  after(ms: number, fn: () => void): ClockTimer {
    return this.at(this.now() + ms, fn);
  }

  /** Calls `fn` every `ms` of clock time until cancelled. */
  every(ms: number, fn: () => void): ClockTimer {
    let timer: ClockTimer;
    let cancelled = false;
    const arm = (at: number) => {
      timer = this.at(at, () => {
        if (cancelled) return;
        arm(Math.max(at + ms, this.now()));
        fn();
      });
    };
    arm(this.now() + ms);
    return {
      cancel: () => {
        cancelled = true;
        timer.cancel();
      },
    };
  }
}

const MAX_TIMEOUT = 2 ** 31 - 1;

/** Wall-clock time, optionally shifted so that it started at `startAt` (CLOCK_START). */
export class SystemClock extends Clock {
  private readonly offset: number;

  constructor(startAt?: number) {
    super();
    this.offset = startAt === undefined ? 0 : startAt - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  at(at: number, fn: () => void): ClockTimer {
    let handle: NodeJS.Timeout | undefined;
    // Re-checked on every wake-up, so a sleep or a clock jump never fires early or leaves it stale.
    const arm = () => {
      const wait = at - this.now();
      if (wait <= 0) {
        handle = undefined;
        fn();
        return;
      }
      handle = setTimeout(arm, Math.min(wait, MAX_TIMEOUT));
      handle.unref?.();
    };
    handle = setTimeout(arm, Math.max(0, Math.min(at - this.now(), MAX_TIMEOUT)));
    handle.unref?.();
    return { cancel: () => handle && clearTimeout(handle) };
  }
}

/** A clock that moves only when told to; timers fire in order as it passes them. */
export class FakeClock extends Clock {
  private current: number;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];

  constructor(start: number | string) {
    super();
    this.current = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): number {
    return this.current;
  }

  at(at: number, fn: () => void): ClockTimer {
    const t = { at, seq: this.seq++, fn };
    this.timers.push(t);
    return { cancel: () => (this.timers = this.timers.filter((x) => x !== t)) };
  }

  /** Moves time forward by `ms`, firing each due timer at its own instant. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(to: number | string): void {
    const target = typeof to === 'number' ? to : Date.parse(to);
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = Math.max(this.current, target);
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}
