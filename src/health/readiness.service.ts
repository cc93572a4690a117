import { Injectable, type BeforeApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';

/** Drain time on a signal: readiness answers 503 this long before connections close. */
export const DRAIN_MS = 1500;

/** Whether the application should receive traffic: after bootstrap, and not while shutting down. */
@Injectable()
export class ReadinessService implements OnModuleDestroy, BeforeApplicationShutdown {
  private bootstrapped = false;
  private draining = false;

  markReady(): void {
    this.bootstrapped = true;
  }

  get state(): 'starting' | 'ready' | 'draining' {
    return this.draining ? 'draining' : this.bootstrapped ? 'ready' : 'starting';
  }

  onModuleDestroy(): void {
    this.draining = true;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    // Give load balancers time to see 503 before connections close; only on a real signal.
    if (signal) await new Promise((r) => setTimeout(r, DRAIN_MS));
  }
}
