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
