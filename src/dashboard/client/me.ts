import { store, type Me } from './state.js';

/** Asks who the dashboard's own token is (`GET /api/auth/me`); no valid session leaves `me` unset. */
export async function refreshMe(): Promise<void> {
  try {
    const res = await fetch('/api/auth/me', { credentials: 'same-origin', cache: 'no-store' });
    store.set({ me: res.ok ? ((await res.json()) as Me) : undefined });
  } catch {
    // unreachable gateway: keep what is known; the socket shows the outage
  }
}
