import { api, attempt } from './admin-api.js';
import { actionButton, fillTable } from './admin-table.js';
import { showCopyField, wireCopyField } from './copy-field.js';
import { $ } from './dom.js';
import { ago, until } from './format.js';
import type { TokenView } from '../../contracts/tokens.contract.js';

/** The minting token by its name when it is listed, else by the start of its id. */
function mintedBy(t: TokenView, byId: Map<string, TokenView>): string {
  if (!t.parent) return '—';
  return byId.get(t.parent)?.sub ?? `${t.parent.slice(0, 8)}…`;
}

/** Scopes and narrower limits in a few words: `orders · 2 sockets · 50 instruments · NSE`. */
function access(t: TokenView): string {
  const l = t.limits ?? {};
  const parts = [
    ...t.scopes,
    ...(l.max_connections ? [`${l.max_connections} sockets`] : []),
    ...(l.max_instruments ? [`${l.max_instruments} instruments`] : []),
    ...(l.exchanges ? [l.exchanges.join(', ')] : []),
  ];
  return parts.length > 0 ? parts.join(' · ') : 'default';
}

const errorBox = () => $('access-error');

/** Lists the live tokens: name, role, kind, minting token, access, expiry, last seen; each with Revoke. */
export async function loadTokens(onChange: () => Promise<void>): Promise<void> {
  const { tokens } = await api<{ tokens: TokenView[] }>('GET', '/api/admin/tokens');
  const now = Date.now();
  const byId = new Map(tokens.map((t) => [t.id, t]));
  fillTable(
    $<HTMLTableElement>('tokens-table').tBodies[0],
    tokens.map((t) => ({
      id: t.id,
      cells: [
        t.sub,
        t.role,
        t.kind,
        mintedBy(t, byId),
        access(t),
        until(t.expires_at, now),
        ago(t.last_seen, now),
        actionButton('Revoke', 'revoke', () =>
          attempt(errorBox(), async () => {
            await api('DELETE', `/api/admin/tokens/${encodeURIComponent(t.id)}`);
            await onChange();
          }),
        ),
      ],
    })),
    $('tokens-empty'),
  );
}

/** Wires the token form: `POST /api/admin/tokens`, then the token (shown once) in a copy field. */
export function startTokens(onChange: () => Promise<void>): void {
  wireCopyField('token');
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const sub = $<HTMLInputElement>('token-sub');
    const ttl = $<HTMLInputElement>('token-ttl').value.trim();
    const role = $<HTMLSelectElement>('token-role').value;
    void attempt(errorBox(), async () => {
      const made = await api<{ token: string }>('POST', '/api/admin/tokens', {
        role,
        ...(ttl ? { ttl } : {}),
        ...(sub.value.trim() ? { sub: sub.value.trim() } : {}),
      });
      showCopyField('token', made.token);
      sub.value = '';
      await onChange();
    });
  });
}
