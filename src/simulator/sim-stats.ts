/** What `GET /__sim/stats` reports besides the live connection figures. */
export interface SimStats {
  ws_connections_peak: number;
  ws_connections_total: number;
  ws_upgrade_attempts: number;
  ws_rejected: Record<string, number>;
  frames_sent: number;
  ticks_sent: number;
  rest_calls: Record<string, number>;
}

export function freshStats(): SimStats {
  return {
    ws_connections_peak: 0,
    ws_connections_total: 0,
    ws_upgrade_attempts: 0,
    ws_rejected: { '403': 0, '429': 0 },
    frames_sent: 0,
    ticks_sent: 0,
    rest_calls: {},
  };
}

/** One key per route, not per instrument: `/instruments/historical/408065/minute` counts as `/instruments/historical`. */
export function statsPath(path: string): string {
  return path.startsWith('/instruments/historical/') ? '/instruments/historical' : path;
}

export function countRestCall(stats: SimStats, path: string): void {
  const key = statsPath(path);
  stats.rest_calls[key] = (stats.rest_calls[key] ?? 0) + 1;
}

/** One REST request as the simulator received it: its path, raw query string and arrival time. */
export interface RestRequest {
  path: string;
  /** The query string as sent, without the `?`. */
  query: string;
  /** Arrival, epoch ms on the real clock: Kite's limits count real seconds, whatever the simulated clock says. */
  at: number;
}

/** The last 1,000 requests per route (keyed as `rest_calls` is), oldest first: what `GET /__sim/requests` shows. */
export class RequestLog {
  static readonly SIZE = 1000;
  private readonly byRoute = new Map<string, RestRequest[]>();

  record(path: string, query: string, at: number): void {
    const key = statsPath(path);
    let list = this.byRoute.get(key);
    if (!list) this.byRoute.set(key, (list = []));
    list.push({ path, query, at });
    if (list.length > RequestLog.SIZE) list.shift();
  }

  of(route: string): RestRequest[] {
    return [...(this.byRoute.get(route) ?? [])];
  }

  clear(): void {
    this.byRoute.clear();
  }
}
