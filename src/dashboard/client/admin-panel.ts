import { attempt } from './admin-api.js';
import { loadClients } from './admin-clients.js';
import { loadInvites, startInvites } from './admin-invites.js';
import { loadLimits } from './admin-limits.js';
import { loadSession, startSession, tickSession } from './admin-session.js';
import { loadTokens, startTokens } from './admin-tokens.js';
import { $ } from './dom.js';
import { store } from './state.js';

/**
 * Admin routes are limited to 30 requests a minute per address and route, so lists refresh on a
 * slow beat and after each action; the session (not limited) and the clients refresh faster.
 */
const SESSION_EVERY_MS = 5_000;
const CLIENTS_EVERY_MS = 5_000;
const ACCESS_EVERY_MS = 30_000;

let timers: number[] = [];

/** Tokens and invites together: revoking one changes the other list. */
async function loadAccess(): Promise<void> {
  await attempt($('access-error'), async () => {
    await Promise.all([loadInvites(loadAccess), loadTokens(loadAccess)]);
  });
}

const loadClientsShown = () => attempt($('clients-error'), loadClients);

function show(): void {
  $('admin').hidden = false;
  void loadSession();
  void loadAccess();
  void loadClientsShown();
  void attempt($('limits-error'), loadLimits);
  timers = [
    window.setInterval(tickSession, 1000),
    window.setInterval(() => void loadSession(), SESSION_EVERY_MS),
    window.setInterval(() => void loadClientsShown(), CLIENTS_EVERY_MS),
    window.setInterval(() => void loadAccess(), ACCESS_EVERY_MS),
  ];
}

function hide(): void {
  $('admin').hidden = true;
  for (const t of timers) window.clearInterval(t);
  timers = [];
  // Nothing an admin saw stays in the page after the session ends.
  for (const id of ['invites-table', 'tokens-table', 'limits-table']) {
    $<HTMLTableElement>(id).tBodies[0].replaceChildren();
  }
  $('clients-nodes').replaceChildren();
  for (const id of ['invite-result', 'token-result']) $(id).hidden = true;
  for (const id of ['invite-value', 'token-value']) $<HTMLInputElement>(id).value = '';
  $('invite-expiry').textContent = '';
}

/** Shows the admin panel while the dashboard's own token is an admin's, and only then. */
export function startAdminPanel(): void {
  startSession();
  startInvites(loadAccess);
  startTokens(loadAccess);
  $('access-refresh').addEventListener('click', () => void loadAccess());
  store.subscribe((now, before) => {
    const admin = now.me?.role === 'admin';
    if (admin === (before.me?.role === 'admin')) return;
    if (admin) show();
    else hide();
  });
}
