import { api } from './admin-api.js';
import { fillTable } from './admin-table.js';
import { $ } from './dom.js';
import type { LimitsView } from '../../contracts/desk.contract.js';

/** The caps in force under their variable's name, and the cache mode. */
export async function loadLimits(): Promise<void> {
  const { limits, cache } = await api<LimitsView>('GET', '/api/admin/limits');
  fillTable($<HTMLTableElement>('limits-table').tBodies[0], [
    ...Object.entries(limits).map(([k, v]) => ({
      id: k,
      cells: [k.toUpperCase(), v.toLocaleString('en-IN')],
    })),
    { id: 'cache_mode', cells: ['cache mode', cache.mode] },
    { id: 'cache_ttl_ms', cells: ['CACHE_TTL_MS', cache.ttl_ms.toLocaleString('en-IN')] },
  ]);
}
