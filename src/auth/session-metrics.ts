import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RelayEvents } from '../events/relay-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { AuthState } from './kite-session.js';
import { KiteSessionService } from './kite-session.service.js';

const STATES: readonly AuthState[] = ['UNAUTHENTICATED', 'AUTHENTICATED', 'EXPIRED'];

/**
 * KiteSessionService's gauges: session_state{state} (1 for the current state) and
 * session_expires_at_seconds (0 without a live session). Every change of the session's state
 * raises one of the session events, so they are updated there rather than inside the service.
 */
@Injectable()
export class SessionMetrics implements OnModuleDestroy {
  private readonly off: (() => void)[];

  constructor(metrics: MetricsService, events: RelayEvents, session: KiteSessionService) {
    const state = metrics.gauge('session_state', 'The Kite session state (1 for the current one)', ['state']);
    const expires = metrics.gauge(
      'session_expires_at_seconds',
      'When the Kite session expires, epoch seconds; 0 without a live session',
    );
    const update = () => {
      for (const s of STATES) state.set({ state: s }, s === session.state ? 1 : 0);
      const live = session.current;
      expires.set(live ? live.expiresAt / 1000 : 0);
    };
    update();
    this.off = [
      events.on('session.changed', update),
      events.on('session.expired', update),
      events.on('session.cleared', update),
    ];
  }

  onModuleDestroy(): void {
    for (const off of this.off) off();
  }
}
