import { MarketModel } from './market-model.js';
import type { ReplayPlayer } from './replay-player.js';
import { Sessions } from './sessions.js';
import { freshStats, RequestLog, type SimStats } from './sim-stats.js';
import { buildUniverse, instrumentsCsv, syntheticEquityCount, type Instrument } from './universe.js';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  apiSecret?: string;
  redirectUrl?: string;
  ticksPerSecond?: number;
  userId?: string;
  userName?: string;
  /** Bench only: writes the send time (ms mod 2^31) into `sell_quantity`, a latency side channel. */
  stampSendTime?: boolean;
  /** Synthetic NSE equities (SIM0001…) besides the named instruments: a whole number 0..200000, default 1000. */
  instruments?: number;
  /** Epoch ms for every timestamp and for the IST day and minute of the price model (default `Date.now`). */
  now?: () => number;
  /** Whether the app has Kite's historical data add-on (default true); false answers 403 PermissionException. */
  historical?: boolean;
  /** Replay mode: the ticker serves these recorded frames (and the clock is theirs) instead of the random walk. */
  replay?: ReplayPlayer;
  /** The instrument master to serve instead of the built-in universe (a replay serves the recorded day's). */
  universe?: Instrument[];
}

/** Everything the simulator's routes and ticker share; `reset()` returns it to the start state. */
export class SimState {
  readonly apiKey: string;
  readonly apiSecret: string;
  redirectUrl: string;
  readonly userId: string;
  readonly userName: string;
  readonly now: () => number;
  readonly stampSendTime: boolean;
  readonly universe: Instrument[];
  readonly byToken: ReadonlyMap<number, Instrument>;
  readonly bySymbol: ReadonlyMap<string, Instrument>;
  readonly sessions: Sessions;
  readonly replay?: ReplayPlayer;
  model: MarketModel;
  stats: SimStats = freshStats();
  /** Every REST request's path, query and arrival, the last 1,000 per route. */
  readonly requests = new RequestLog();
  rate: number;
  historical: boolean;
  /** REST routes (keyed as in `rest_calls`) whose requests get no answer: the connection is cut, as for an unreachable Kite. */
  readonly unreachable = new Set<string>();
  /** Real-time (Date.now) end of a `/__sim/silence`: the ticker's timers run on the real clock. */
  silentUntil = 0;
  private readonly csv = new Map<string, Buffer>();

  constructor(private readonly options: SimulatorOptions = {}) {
    this.apiKey = options.apiKey ?? 'kite_relay_sim';
    this.apiSecret = options.apiSecret ?? 'kite_relay_sim_secret';
    this.redirectUrl = options.redirectUrl ?? 'http://localhost:3000/api/auth/kite/callback';
    this.userId = options.userId ?? 'SIM001';
    this.userName = options.userName ?? 'Simulated Trader';
    this.replay = options.replay;
    const replay = options.replay;
    this.now = replay ? () => replay.now() : (options.now ?? Date.now);
    this.stampSendTime = options.stampSendTime ?? false;
    this.universe = options.universe ?? buildUniverse(syntheticEquityCount(options.instruments));
    this.byToken = new Map(this.universe.map((i) => [i.instrument_token, i]));
    this.bySymbol = new Map(this.universe.map((i) => [`${i.exchange}:${i.tradingsymbol}`, i]));
    this.sessions = new Sessions(this.now);
    this.model = new MarketModel(this.byToken);
    this.rate = this.defaultRate;
    this.historical = options.historical ?? true;
  }

  get defaultRate(): number {
    return this.options.ticksPerSecond ?? 200;
  }

  /** The instrument master as CSV, all of it or one exchange's rows; built once, the universe never changes. */
  instrumentsCsv(exchange?: string): Buffer {
    const key = exchange ?? '';
    let body = this.csv.get(key);
    if (body === undefined) {
      const rows = exchange ? this.universe.filter((i) => i.exchange === exchange) : this.universe;
      body = Buffer.from(instrumentsCsv(rows));
      // Only real exchanges are kept, so odd request paths cannot grow the cache.
      if (rows.length > 0) this.csv.set(key, body);
    }
    return body;
  }

  reset(): void {
    this.sessions.clear();
    this.silentUntil = 0;
    this.rate = this.defaultRate;
    this.historical = this.options.historical ?? true;
    this.model = new MarketModel(this.byToken);
    this.stats = freshStats();
    this.requests.clear();
    this.unreachable.clear();
  }
}
