/**
 * `node .build/test/bench/heap-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot CLIENTS [ROWS]`:
 * what the clients retain, per client, grouped by node type and constructor (closures, contexts,
 * maps, strings…), largest first. Read the memory bench's `--heap-snapshots DIR` with it.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size of each group in one snapshot. */
function groups(path: string): Map<string, { count: number; bytes: number }> {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const t = types[s.nodes[i + type]];
    const label = t.includes('string')
      ? 'string'
      : `${t}:${['object', 'closure', 'hidden', 'array', 'native'].includes(t) ? s.strings[s.nodes[i + name]].slice(0, 40) : ''}`;
    const g = out.get(label) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + size];
    out.set(label, g);
  }
  return out;
}

const [beforePath, afterPath, clientsArg, rowsArg] = process.argv.slice(2);
if (!beforePath || !afterPath || !clientsArg) {
  console.error('usage: heap-diff BEFORE.heapsnapshot AFTER.heapsnapshot CLIENTS [ROWS]');
  process.exit(2);
}
const clients = Number(clientsArg);
const before = groups(beforePath);
const rows = [...groups(afterPath)].map(([label, g]) => {
  const b = before.get(label) ?? { count: 0, bytes: 0 };
  return { label, count: (g.count - b.count) / clients, bytes: (g.bytes - b.bytes) / clients };
});
rows.sort((a, b) => b.bytes - a.bytes);
const total = rows.reduce((sum, r) => sum + r.bytes, 0);
console.log(`retained per client: ${total.toFixed(0)} bytes`);
console.log('bytes/client  objects/client  group');
for (const r of rows.slice(0, Number(rowsArg ?? 30))) {
  console.log(`${r.bytes.toFixed(1).padStart(12)}  ${r.count.toFixed(2).padStart(14)}  ${r.label}`);
}
