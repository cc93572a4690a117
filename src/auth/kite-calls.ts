import { Injectable } from '@nestjs/common';
import { isTokenException } from '../kite/kite-rest.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** The Kite REST calls kite-relay makes, as the `call` label of kite_requests_total. */
export type KiteCall = 'quote' | 'instruments' | 'profile' | 'session' | 'historical' | 'logout';

/** Counts every Kite REST call by name and outcome: ok, error, or token_error (Kite refused the token). */
@Injectable()
export class KiteCalls {
  private readonly total;

  constructor(metrics: MetricsService) {
    this.total = metrics.counter('kite_requests_total', 'Kite REST calls by call and outcome', [
      'call',
      'outcome',
    ]);
  }

  async run<T>(call: KiteCall, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.total.inc({ call, outcome: 'ok' });
      return result;
    } catch (err) {
      this.total.inc({ call, outcome: isTokenException(err) ? 'token_error' : 'error' });
      throw err;
    }
  }
}
