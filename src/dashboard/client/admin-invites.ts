import { api, attempt } from './admin-api.js';
import { actionButton, fillTable } from './admin-table.js';
import { showCopyField, wireCopyField } from './copy-field.js';
import { $ } from './dom.js';
import { ago, until } from './format.js';
import type { InviteView } from '../../contracts/desk.contract.js';

const errorBox = () => $('access-error');

/** Lists the live invites: name, state, expiry, last seen; each with Revoke. */
export async function loadInvites(onChange: () => Promise<void>): Promise<void> {
  const { invites } = await api<{ invites: InviteView[] }>('GET', '/api/admin/invites');
  const now = Date.now();
  fillTable(
    $<HTMLTableElement>('invites-table').tBodies[0],
    invites.map((i) => ({
      id: i.id,
      cells: [
        i.name,
        i.state,
        until(i.expires_at, now),
        i.token ? ago(i.token.last_seen, now) : '',
        actionButton('Revoke', 'revoke', () =>
          attempt(errorBox(), async () => {
            await api('DELETE', `/api/admin/invites/${encodeURIComponent(i.id)}`);
            await onChange();
          }),
        ),
      ],
    })),
    $('invites-empty'),
  );
}

/** Wires the invite form: `POST /api/admin/invites`, then the link in a copy field. */
export function startInvites(onChange: () => Promise<void>): void {
  wireCopyField('invite');
  $('invite-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $<HTMLInputElement>('invite-name');
    const ttl = $<HTMLInputElement>('invite-ttl').value.trim();
    const from = $<HTMLInputElement>('invite-from').value.trim();
    void attempt(errorBox(), async () => {
      const made = await api<{ id: string; url: string; expires_at: string }>('POST', '/api/admin/invites', {
        name: name.value,
        ...(ttl ? { ttl } : {}),
        ...(from ? { from } : {}),
      });
      showCopyField('invite', made.url);
      $('invite-expiry').textContent = `Expires ${made.expires_at.slice(0, 16).replace('T', ' ')} IST.`;
      name.value = '';
      await onChange();
    });
  });
}
