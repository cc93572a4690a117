import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { KiteApiService } from '../auth/kite-api.service.js';
import { Clock, type ClockTimer } from '../clock/clock.js';
import { UpstreamOwnership } from '../cluster/upstream-ownership.js';
import { AppConfigService } from '../config/app-config.service.js';
import { DAY_MS, nextIstTime } from '../clock/ist.js';
import { errorText } from '../common/error-text.js';
import { RelayEvents } from '../events/relay-events.js';
import { symbolOf, type InstrumentInfo } from './instrument.js';
import { InstrumentIndex, type SearchHit } from './instrument-index.js';
import { fromKiteRows, type StoredMaster } from './instrument-master.js';
import { MasterStorage } from './master-storage.js';

/** Kite publishes the instrument master once a day at about 08:30 IST; it is refreshed at 08:35. */
const REFRESH_HOUR = 8;
const REFRESH_MINUTE = 35;
const MAX_INPUT = 64;

export type Resolution =
  | { ok: true; token: number; symbol?: string }
  | { ok: false; reason: 'unknown_instrument' | 'instruments_not_loaded' };

/**
 * The instrument master: stored (MasterStorage: Redis when configured, else the data directory) so that a restart
 * resolves symbols before any login; fetched from Kite when a session starts and nothing current
 * is stored, and again every day after Kite publishes it.
 */
@Injectable()
export class InstrumentsService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InstrumentsService.name);
  private index = new InstrumentIndex([]);
  private fetchedAt = 0;
  private loaded?: StoredMaster;
  private loading?: Promise<void>;
  private refreshTimer?: ClockTimer;
  private off?: () => void;

  constructor(
    private readonly kite: KiteApiService,
    private readonly storage: MasterStorage,
    private readonly events: RelayEvents,
    private readonly clock: Clock,
    private readonly ownership: UpstreamOwnership,
    config: AppConfigService,
  ) {
    this.nodeId = config.values.nodeId;
  }
  private readonly nodeId: string;
  private offStored?: () => void;

  async onModuleInit(): Promise<void> {
    const stored = await this.storage.read();
    if (stored) this.use(stored, 'stored');
  }

  onApplicationBootstrap(): void {
    this.off = this.events.on('session.changed', () => {
      if (this.stale()) this.refresh('a Kite session started');
    });
    // In a cluster one node fetches the master from Kite; the others take it from Redis.
    this.offStored = this.events.on('instruments.stored', (e) => {
      if (e.origin !== this.nodeId) void this.loadStored();
    });
    this.armRefresh();
  }

  onApplicationShutdown(): void {
    this.off?.();
    this.offStored?.();
    this.refreshTimer?.cancel();
  }

  get size(): number {
    return this.index.size;
  }

  /** The master in use, as loaded (the tape copies it into each day's folder). */
  get master(): StoredMaster | undefined {
    return this.loaded;
  }

  /** When the loaded master was fetched from Kite (0 before any): what changes when its rows do. */
  get version(): number {
    return this.fetchedAt;
  }

  /** Every row of the loaded master. */
  rows(): readonly InstrumentInfo[] {
    return this.index.all();
  }

  /**
   * Resolves once a master is loaded, or after `timeoutMs` (or at once when none can load, e.g.
   * with no Kite session), so that a symbol asked for right after a first login is not refused.
   */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.index.size > 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.load().catch(() => undefined), // a failed load is logged by load()
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** Loads the master (stored if current, else from Kite); concurrent calls share one load. */
  load(force = false): Promise<void> {
    this.loading ??= this.fetch(force).finally(() => (this.loading = undefined));
    return this.loading;
  }

  symbolOf(token: number): string | undefined {
    const i = this.index.byInstrumentToken(token);
    return i && symbolOf(i);
  }

  /**
   * `NSE:INFY` or a token (number or digits). A token is accepted before any master is loaded (it
   * starts ticking at login); a symbol cannot be until one is.
   */
  resolve(input: unknown): Resolution {
    const loaded = this.index.size > 0;
    if (typeof input === 'number') {
      if (!Number.isInteger(input) || input <= 0 || input > 0xffffffff) {
        return { ok: false, reason: 'unknown_instrument' };
      }
      if (!loaded) return { ok: true, token: input };
      const i = this.index.byInstrumentToken(input);
      return i
        ? { ok: true, token: input, symbol: symbolOf(i) }
        : { ok: false, reason: 'unknown_instrument' };
    }
    if (typeof input !== 'string' || input.length === 0 || input.length > MAX_INPUT) {
      return { ok: false, reason: 'unknown_instrument' };
    }
    if (/^\d+$/.test(input)) return this.resolve(Number(input));
    if (!/^[A-Z]+:[^\s:].*$/i.test(input)) return { ok: false, reason: 'unknown_instrument' };
    if (!loaded) return { ok: false, reason: 'instruments_not_loaded' };
    const i = this.index.bySymbolName(input);
    return i
      ? { ok: true, token: i.instrument_token, symbol: symbolOf(i) }
      : { ok: false, reason: 'unknown_instrument' };
  }

  /** Exact symbol, then prefix, then substring of symbol or name; answered from the index built at load. */
  search(q: string, limit = 20): SearchHit[] {
    return this.index.search(q, limit);
  }

  /** Whether the loaded master predates Kite's latest daily publication (or none is loaded). */
  private stale(): boolean {
    const lastPublication = nextIstTime(this.clock.now(), REFRESH_HOUR, REFRESH_MINUTE) - DAY_MS;
    // A master stored before Kite's every column was kept is refetched at the next chance.
    const partial = this.index.size > 0 && this.index.all()[0].lot_size === undefined;
    return this.index.size === 0 || partial || this.fetchedAt < lastPublication;
  }

  private refresh(why: string): void {
    this.load(true).catch((err: unknown) =>
      this.logger.warn(`instrument master not refreshed (${why}): ${errorText(err)}`),
    );
  }

  private async fetch(force: boolean): Promise<void> {
    if (!force && !this.stale()) return;
    if (!force) {
      const stored = await this.storage.read();
      if (stored && stored.fetchedAt >= this.fetchedAt && stored.rows.length > 0) {
        this.use(stored, 'stored');
        if (!this.stale()) return;
      }
    }
    if (this.ownership.state.role === 'follower') return this.awaitHolder();
    const raw = await this.kite.call('instruments', (k) => k.getInstruments());
    const master = { fetchedAt: this.clock.now(), rows: fromKiteRows(raw) };
    this.use(master, 'from Kite');
    await this.storage.write(master);
    if (this.storage.shared) {
      this.events.emit('instruments.stored', { origin: this.nodeId, fetchedAt: master.fetchedAt });
    }
  }

  private async loadStored(): Promise<void> {
    const stored = await this.storage.read();
    if (stored && stored.fetchedAt > this.fetchedAt) this.use(stored, 'stored by another node');
  }

  /** A follower never calls Kite for the master: it waits (up to 5 s) for the holder to store one. */
  private async awaitHolder(): Promise<void> {
    if (!this.kite.hasSession) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 5000);
      const off = this.events.on('instruments.loaded', done);
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  private use(master: StoredMaster, from: string): void {
    this.index = new InstrumentIndex(master.rows);
    this.fetchedAt = master.fetchedAt;
    this.loaded = master;
    this.logger.log(`instrument master (${from}): ${master.rows.length} instruments`);
    this.events.emit('instruments.loaded', { count: master.rows.length });
  }

  private armRefresh(): void {
    this.refreshTimer = this.clock.at(nextIstTime(this.clock.now(), REFRESH_HOUR, REFRESH_MINUTE), () => {
      this.refresh('daily refresh');
      this.armRefresh();
    });
  }
}
