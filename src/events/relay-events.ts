import { Injectable, Logger } from '@nestjs/common';
import { errorText } from '../common/error-text.js';
import type { ClusterEventName, RelayEventMap, RelayEventName } from './event-map.js';

/** The events that must reach every node of a cluster, as a list (their names: `ClusterEventName`). */
export const CLUSTER_EVENTS = [
  'session.changed',
  'session.expired',
  'session.cleared',
  'quotes.invalidated',
  'instruments.stored',
  'token.revoked',
] as const satisfies readonly ClusterEventName[];
/** Compiles only while the list names every ClusterEventName. */
const _everyClusterEvent: Exclude<ClusterEventName, (typeof CLUSTER_EVENTS)[number]> extends never
  ? true
  : never = true;

type Listener<K extends RelayEventName> = (payload: RelayEventMap[K]) => void;

/**
 * The in-process event bus. Listeners run synchronously in subscription order; one that throws is
 * logged and does not keep the event from the others.
 */
@Injectable()
export class RelayEvents {
  private readonly logger = new Logger(RelayEvents.name);
  private readonly listeners = new Map<RelayEventName, Set<Listener<never>>>();

  emit<K extends RelayEventName>(name: K, payload: RelayEventMap[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as Listener<K>)(payload);
      } catch (err) {
        this.logger.error(`a listener of ${name} failed: ${errorText(err)}`);
      }
    }
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends RelayEventName>(name: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }
}
