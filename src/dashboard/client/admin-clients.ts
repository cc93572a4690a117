import { api } from './admin-api.js';
import { fillTable } from './admin-table.js';
import { $, el } from './dom.js';

/** `GET /api/admin/clients` entries (every node's sockets). */
interface ConnectedClient {
  id: string;
  protocol: 'socket.io' | 'kite';
  node: string;
  user: string;
  role: string;
  connected_at: string;
  subscriptions: number;
  slow: boolean;
}

/** The connected clients, one table per node: user, protocol, role, subscriptions, slow, since when. */
export async function loadClients(): Promise<void> {
  const { nodes, total } = await api<{ nodes: Record<string, ConnectedClient[]>; total: number }>(
    'GET',
    '/api/admin/clients',
  );
  $('clients-total').textContent = `${total} on ${Object.keys(nodes).length} node(s)`;
  $('clients-nodes').replaceChildren(
    ...Object.entries(nodes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([node, clients]) => {
        const box = el('div', 'table-wrap');
        box.dataset.node = node;
        box.append(el('h4', undefined, `${node} (${clients.length})`), table(clients));
        return box;
      }),
  );
}

function table(clients: ConnectedClient[]): HTMLTableElement {
  const t = el('table', 'admin-table');
  const head = t.createTHead().insertRow();
  for (const h of ['User', 'Protocol', 'Role', 'Subs', 'Slow', 'Since']) head.append(el('th', undefined, h));
  const body = t.createTBody();
  fillTable(
    body,
    [...clients]
      .sort((a, b) => a.user.localeCompare(b.user))
      .map((c) => ({
        id: c.id,
        cells: [
          c.user,
          c.protocol,
          c.role,
          String(c.subscriptions),
          c.slow ? 'slow' : '',
          c.connected_at.slice(11, 19),
        ],
      })),
  );
  return t;
}
