/** The upstream feed's state, as `feed_status` and `/health` show it (SPEC). */
export type FeedState = 'CONNECTING' | 'LIVE' | 'RECONNECTING' | 'AUTH_REQUIRED' | 'STOPPED';

export interface FeedStatus {
  state: FeedState;
  reason?: string;
}
