import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { clientAddress, type TrustProxy } from './client-address.js';
import { FailedUpgrades } from './failed-upgrades.js';

/**
 * How long Socket.IO lets a connection go without joining a namespace (its `connectTimeout`,
 * 45 s by default): a client sends its /market handshake right after connecting, so 5 s is plenty.
 */
export const HANDSHAKE_TIMEOUT_MS = 5000;

type EngineConnection = Socket['conn'];

/**
 * Unauthenticated connections per client address, capped at MAX_UNAUTHENTICATED_PER_ADDRESS: engine.io
 * connections that have not completed the /market handshake (each from its engine.io handshake until
 * its socket authenticates or it closes), plus `/kite/ws` upgrades refused for a bad token (each for
 * HANDSHAKE_TIMEOUT_MS after it, FailedUpgrades).
 */
@Injectable()
export class UnauthenticatedConnections {
  private readonly perAddress = new Map<string, number>();
  /** Each open unauthenticated connection: its address, and its 'close' listener (removed once settled). */
  private readonly open = new Map<EngineConnection, { address: string; onClose: () => void }>();
  private readonly failed = new FailedUpgrades(HANDSHAKE_TIMEOUT_MS);
  private readonly max: number;
  private trust: () => TrustProxy = () => () => false;
  private readonly m;

  constructor(config: AppConfigService, metrics: MetricsService) {
    this.max = config.values.maxUnauthenticatedPerAddress;
    this.m = {
      refused: metrics.counter(
        'unauthenticated_refused_total',
        'Connections refused: their address had MAX_UNAUTHENTICATED_PER_ADDRESS unauthenticated ones (open, or /kite/ws upgrades refused in the last 5 s)',
      ),
      open: metrics.gauge('unauthenticated_connections', 'Connections that have not authenticated yet'),
    };
  }

  /** Where the proxy trust rule comes from (Express's `trust proxy fn`, read at each connection). */
  useTrust(trust: () => TrustProxy): void {
    this.trust = trust;
  }

  /** For allowRequest: may a new connection start from this request's address? */
  admits(req: IncomingMessage): boolean {
    if (this.held(this.address(req)) < this.max) return true;
    this.m.refused.inc();
    return false;
  }

  /**
   * An engine.io connection opened: counted until it authenticates or closes. False when its
   * address is already at the cap (requests that passed `admits` together): the caller closes it.
   */
  opened(conn: EngineConnection): boolean {
    const address = this.address(conn.request);
    if (this.held(address) >= this.max) {
      this.m.refused.inc();
      return false;
    }
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    const onClose = () => this.settled(conn);
    this.open.set(conn, { address, onClose });
    this.m.open.inc();
    conn.once('close', onClose);
    return true;
  }

  /** The connection's socket completed the /market handshake: it no longer counts. */
  authenticated(conn: EngineConnection): void {
    this.settled(conn);
  }

  /** A `/kite/ws` upgrade from this request's address was refused for its token: it counts a while. */
  failedUpgrade(req: IncomingMessage): void {
    this.failed.record(this.address(req));
  }

  /** Unauthenticated connections open from `address` (tests and diagnostics). */
  count(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  private held(address: string): number {
    return (this.perAddress.get(address) ?? 0) + this.failed.count(address);
  }

  private settled(conn: EngineConnection): void {
    const entry = this.open.get(conn);
    if (entry === undefined) return;
    const { address, onClose } = entry;
    this.open.delete(conn);
    // An authenticated connection keeps no listener (and no closure) of this class for its life.
    conn.off('close', onClose);
    this.m.open.dec();
    const n = (this.perAddress.get(address) ?? 1) - 1;
    if (n > 0) this.perAddress.set(address, n);
    else this.perAddress.delete(address);
  }

  private address(req: IncomingMessage): string {
    return clientAddress(req, this.trust());
  }
}
