/**
 * `node .build/test/bench/heap-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot CLIENTS [ROWS]`:
 * what the clients retain, per client, grouped by node type and constructor (closures, contexts,
 * maps, strings…), largest first; then the same growth grouped by each node's first retainer
 * (what holds it, through which edge), which says whose field or closure keeps it. Read the
 * memory bench's `--heap-snapshots DIR` with it.
 */
import { readFileSync } from 'node:fs';
import { perClient, retainerGroups, typeGroups, type Group, type Snapshot } from './heap-groups.js';

/** Both groupings of one snapshot, parsed once: a parsed 300 MB snapshot is not kept twice. */
function groups(path: string): { types: Map<string, Group>; retainers: Map<string, Group> } {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  return { types: typeGroups(s), retainers: retainerGroups(s) };
}

const [beforePath, afterPath, clientsArg, rowsArg] = process.argv.slice(2);
if (!beforePath || !afterPath || !clientsArg) {
  console.error('usage: heap-diff BEFORE.heapsnapshot AFTER.heapsnapshot CLIENTS [ROWS]');
  process.exit(2);
}
const clients = Number(clientsArg);
const limit = Number(rowsArg ?? 30);
const before = groups(beforePath);
const after = groups(afterPath);
const rows = perClient(before.types, after.types, clients);
const total = rows.reduce((sum, r) => sum + r.bytes, 0);
console.log(`retained per client: ${total.toFixed(0)} bytes`);
console.log('bytes/client  objects/client  group');
for (const r of rows.slice(0, limit)) {
  console.log(`${r.bytes.toFixed(1).padStart(12)}  ${r.count.toFixed(2).padStart(14)}  ${r.label}`);
}
console.log('\nby first retainer');
console.log('bytes/client  objects/client  retainer -[edge]-> group');
for (const r of perClient(before.retainers, after.retainers, clients).slice(0, limit)) {
  console.log(`${r.bytes.toFixed(1).padStart(12)}  ${r.count.toFixed(2).padStart(14)}  ${r.label}`);
}
