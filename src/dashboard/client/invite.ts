// The invite link's page (/invite#code=…). The code is taken out of the address bar and the
// history first, then exchanged once for the viewer cookie; the dashboard replaces this page.
import { $ } from './dom.js';

const code = new URLSearchParams(window.location.hash.slice(1)).get('code');
history.replaceState(null, '', '/invite');

function say(message: string, opts: { retry?: boolean; home?: boolean; help?: string } = {}): void {
  $('invite-message').textContent = message;
  const help = $('invite-help');
  help.hidden = !opts.help;
  help.textContent = opts.help ?? '';
  $('invite-retry').hidden = !opts.retry;
  $('invite-home').hidden = !opts.home;
  $('invite-actions').hidden = !opts.retry && !opts.home;
}

async function signedIn(): Promise<boolean> {
  const res = await fetch('/api/auth/me', { credentials: 'same-origin', cache: 'no-store' }).catch(
    () => undefined,
  );
  return res?.ok === true;
}

async function redeem(code: string): Promise<void> {
  say('Opening your invite…');
  let res: Response;
  try {
    res = await fetch('/api/auth/invite', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }),
    });
  } catch {
    say('The gateway could not be reached.', { retry: true });
    return;
  }
  if (res.ok) {
    // replace, not assign: Back does not return to this page.
    window.location.replace('/');
    return;
  }
  const body = (await res.json().catch(() => ({}))) as { message?: unknown; reason?: unknown };
  const message =
    typeof body.message === 'string' ? body.message : `The invite was refused (HTTP ${res.status}).`;
  const retry = res.status === 429 || res.status >= 500;
  const home = body.reason === 'used' && (await signedIn());
  say(message, { retry, home, help: home ? 'This browser already has access to the dashboard.' : undefined });
}

$('invite-retry').addEventListener('click', () => code && void redeem(code));
if (code) void redeem(code);
else say('This link carries no invite code. Ask the person who sent it to you for a new link.');
