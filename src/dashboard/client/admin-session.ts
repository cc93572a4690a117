import { api, attempt } from './admin-api.js';
import { login, refreshAuth } from './connection.js';
import { $ } from './dom.js';
import { duration, statusLabel } from './format.js';
import { refreshMe } from './me.js';
import { serverNow } from './state.js';
import type { AuthStatus as SessionStatus } from '../../contracts/session.contract.js';

let status: SessionStatus | undefined;
const errorBox = () => $('session-error');

/** Reads the Kite session again. */
export async function loadSession(): Promise<void> {
  const res = await fetch('/api/auth/status', { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) return;
  status = (await res.json()) as SessionStatus;
  render();
}

/** The expiry countdown, redrawn every second while the panel is shown. */
export function tickSession(): void {
  const s = status;
  const out = $('session-expiry');
  if (!s?.expires_at) out.textContent = s?.state === 'AUTHENTICATED' ? '' : 'No Kite session.';
  else if (s.state === 'AUTHENTICATED') {
    const left = Date.parse(s.expires_at) - serverNow();
    out.textContent = `Expires in ${duration(left)} (at ${s.expires_at.slice(11, 16)} IST).`;
  } else out.textContent = `Ended ${s.expires_at.slice(0, 16).replace('T', ' ')} IST.`;
}

function render(): void {
  const s = status;
  if (!s) return;
  const pill = $('session-state');
  pill.dataset.state = s.state;
  pill.textContent = statusLabel(s.state);
  $('session-user').textContent = s.user_id ? `${s.user_name ?? ''} (${s.user_id})` : '';
  $('session-logout').hidden = s.state !== 'AUTHENTICATED';
  tickSession();
}

/** Wires log in, log out and installing a token. */
export function startSession(): void {
  $('session-login').addEventListener('click', login);
  $('session-logout').addEventListener('click', () => {
    void attempt(errorBox(), async () => {
      status = await api<SessionStatus>('DELETE', '/api/admin/session');
      render();
      // Logging out also ends this browser's dashboard session (its cookie and token).
      await refreshMe();
      await refreshAuth();
    });
  });
  $('session-install').addEventListener('submit', (e) => {
    e.preventDefault();
    const kind = $<HTMLSelectElement>('session-kind').value;
    const input = $<HTMLInputElement>('session-token');
    void attempt(errorBox(), async () => {
      status = await api<SessionStatus>('POST', '/api/admin/session', { [kind]: input.value.trim() });
      input.value = '';
      render();
      await refreshAuth();
    });
  });
}
