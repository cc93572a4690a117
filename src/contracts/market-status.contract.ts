export type MarketStatusValue = 'PRE_OPEN' | 'LIVE' | 'POST_CLOSE' | 'CLOSED';

/** The market status, as `market_status` and `/api/market/status` show it (SPEC section 5). */
export interface MarketStatus {
  exchange: string;
  status: MarketStatusValue;
  reason?: string;
  since: string;
  next_status: MarketStatusValue;
  next_change_at: string;
  server_time: string;
}
