import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { effectiveLimits, type TokenLimits } from '../auth/token-limits.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { CLUSTER_USAGE, type ClusterUsage, type UserUsage } from './cluster-usage.js';

/** 'usage.changed' is raised at most this often, with every sub that changed meanwhile. */
export const USAGE_EVENT_INTERVAL_MS = 100;

export type Reservation = { ok: true } | { ok: false; held: number; adding: number; max: number };

interface User {
  connections: number;
  /** Instrument → how many of this user's sockets on this node hold it. */
  refs: Map<number, number>;
}

interface Client {
  sub: string;
  connected: boolean;
  /** Made at the client's first instrument: an idle client holds none. */
  instruments?: Set<number>;
}

/**
 * Per-user limits (the user is the JWT `sub`): sockets (MAX_CONNECTIONS_PER_USER) and distinct
 * instruments over all of a user's sockets (MAX_INSTRUMENTS_PER_USER). Counts this node's clients
 * and adds what CLUSTER_USAGE says the user holds on the other nodes.
 */
@Injectable()
export class UserLimitsService implements OnApplicationShutdown {
  private readonly users = new Map<string, User>();
  private readonly clients = new Map<string, Client>();
  private readonly changed = new Set<string>();
  private timer?: NodeJS.Timeout;
  private readonly maxConnections: number;
  private readonly maxInstruments: number;
  private readonly nodeId: string;

  constructor(
    config: AppConfigService,
    @Inject(CLUSTER_USAGE) private readonly cluster: ClusterUsage,
    private readonly events: RelayEvents,
  ) {
    this.maxConnections = config.values.maxConnectionsPerUser;
    this.maxInstruments = config.values.maxInstrumentsPerUser;
    this.nodeId = config.values.nodeId;
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
  }

  /** A socket of `sub` asks to connect: counted and true while the user is under its cap, else false. */
  connect(client: string, sub: string, limits?: TokenLimits): boolean {
    const held = (this.users.get(sub)?.connections ?? 0) + this.cluster.elsewhere(sub).connections;
    if (held >= this.caps(limits).maxConnections) return false;
    const c = this.client(client, sub);
    if (!c.connected) {
      c.connected = true;
      this.user(sub).connections++;
      this.touch(sub);
    }
    return true;
  }

  /**
   * Reserves `tokens` for one client before the feed is asked for them, so that concurrent
   * subscribes of one user cannot pass the cap together. All or nothing.
   */
  reserve(client: string, sub: string, tokens: readonly number[], limits?: TokenLimits): Reservation {
    const max = this.caps(limits).maxInstruments;
    const user = this.users.get(sub);
    const refs = user?.refs ?? new Map<number, number>();
    const elsewhere = this.cluster.elsewhere(sub).instruments;
    let held = refs.size;
    for (const t of elsewhere) if (!refs.has(t)) held++;
    const adding = new Set(tokens.filter((t) => !refs.has(t) && !elsewhere.has(t))).size;
    if (adding > 0 && held + adding > max) return { ok: false, held, adding, max };
    const c = this.client(client, sub);
    const u = this.user(sub);
    let grew = false;
    const mine = (c.instruments ??= new Set());
    for (const t of tokens) {
      if (mine.has(t)) continue;
      mine.add(t);
      const n = u.refs.get(t) ?? 0;
      u.refs.set(t, n + 1);
      grew ||= n === 0;
    }
    if (grew) this.touch(sub);
    return { ok: true };
  }

  /** The client no longer holds `tokens` (all of its instruments when omitted). */
  release(client: string, tokens?: Iterable<number>): void {
    const c = this.clients.get(client);
    if (!c) return;
    const u = this.user(c.sub);
    let shrank = false;
    for (const t of tokens ? [...tokens] : [...(c.instruments ?? [])]) {
      if (!c.instruments?.delete(t)) continue;
      const n = (u.refs.get(t) ?? 1) - 1;
      if (n > 0) u.refs.set(t, n);
      else {
        u.refs.delete(t);
        shrank = true;
      }
    }
    if (shrank) this.touch(c.sub);
    this.forgetIfIdle(client, c);
  }

  /** The client is gone: its instruments and its connection. Safe to call more than once. */
  disconnect(client: string): void {
    const c = this.clients.get(client);
    if (!c) return;
    this.release(client);
    if (c.connected) {
      c.connected = false;
      this.user(c.sub).connections--;
      this.touch(c.sub);
    }
    this.forgetIfIdle(client, c);
  }

  /** What each user holds on this node (for the cluster to publish). */
  local(): ReadonlyMap<string, UserUsage> {
    const out = new Map<string, UserUsage>();
    for (const [sub, u] of this.users) {
      out.set(sub, { connections: u.connections, instruments: new Set(u.refs.keys()) });
    }
    return out;
  }

  /** The per-user defaults, narrowed by the token's own limits (token-limits.ts). */
  private caps(limits?: TokenLimits) {
    return effectiveLimits(limits, {
      maxConnections: this.maxConnections,
      maxInstruments: this.maxInstruments,
    });
  }

  private client(id: string, sub: string): Client {
    let c = this.clients.get(id);
    if (!c) this.clients.set(id, (c = { sub, connected: false }));
    return c;
  }

  private user(sub: string): User {
    let u = this.users.get(sub);
    if (!u) this.users.set(sub, (u = { connections: 0, refs: new Map() }));
    return u;
  }

  private forgetIfIdle(id: string, c: Client): void {
    if (c.connected || (c.instruments?.size ?? 0) > 0) return;
    this.clients.delete(id);
    const u = this.users.get(c.sub);
    if (u && u.connections === 0 && u.refs.size === 0) this.users.delete(c.sub);
  }

  private touch(sub: string): void {
    this.changed.add(sub);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const users = [...this.changed].map((sub) => {
        const u = this.users.get(sub);
        return { sub, connections: u?.connections ?? 0, instruments: [...(u?.refs.keys() ?? [])] };
      });
      this.changed.clear();
      this.events.emit('usage.changed', { origin: this.nodeId, users });
    }, USAGE_EVENT_INTERVAL_MS);
    this.timer.unref();
  }
}
