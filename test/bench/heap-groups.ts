/**
 * Pure groupings of a parsed V8 heap snapshot, for heap-diff.ts: by node type and constructor,
 * and by each node's first retainer (issue 27 asks for snapshots "grouped by constructor and
 * retainer"). Kept apart from the command so that a spec can feed them a hand-made snapshot.
 */

export interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface Group {
  count: number;
  bytes: number;
}

/** Long names (source text in strings, minified identifiers) would make every row unique. */
const MAX_NAME = 40;
/** Types whose name is a constructor or function name worth grouping by. */
const NAMED = ['object', 'closure', 'hidden', 'array', 'native'];

function nodeFields(s: Snapshot): { width: number; type: number; name: number; size: number } {
  const f = s.snapshot.meta.node_fields;
  return {
    width: f.length,
    type: f.indexOf('type'),
    name: f.indexOf('name'),
    size: f.indexOf('self_size'),
  };
}

/** The type-and-constructor label of the node at offset `i` in `s.nodes`. */
function nodeLabel(s: Snapshot, i: number): string {
  const { type, name } = nodeFields(s);
  const t = s.snapshot.meta.node_types[0][s.nodes[i + type]];
  if (t.includes('string')) return 'string';
  return `${t}:${NAMED.includes(t) ? s.strings[s.nodes[i + name]].slice(0, MAX_NAME) : ''}`;
}

/**
 * The retainer's label keeps the name of every type but strings (their name is their text), so
 * that code and synthetic roots ("(GC roots)", "(Internalized strings)") say which they are.
 */
function retainerLabel(s: Snapshot, i: number): string {
  const { type, name } = nodeFields(s);
  const t = s.snapshot.meta.node_types[0][s.nodes[i + type]];
  if (t.includes('string')) return 'string';
  return `${t}:${s.strings[s.nodes[i + name]].slice(0, MAX_NAME)}`;
}

function add(out: Map<string, Group>, label: string, bytes: number): void {
  const g = out.get(label) ?? { count: 0, bytes: 0 };
  g.count++;
  g.bytes += bytes;
  out.set(label, g);
}

/** Count and self size of each type-and-constructor group. */
export function typeGroups(s: Snapshot): Map<string, Group> {
  const { width, size } = nodeFields(s);
  const out = new Map<string, Group>();
  for (let i = 0; i < s.nodes.length; i += width) add(out, nodeLabel(s, i), s.nodes[i + size]);
  return out;
}

/**
 * For each node (by ordinal), the offset in `s.edges` of the first edge that holds it, or -1.
 * Weak edges do not keep it alive and shortcut edges duplicate a path through other edges, so
 * neither counts. One pass in snapshot order, so the first retainer is the lowest-ordinal holder
 * (the roots come first); two typed arrays instead of a full reverse index, which for a
 * 300 MB snapshot would be millions of entries.
 */
export function firstRetainers(s: Snapshot): { from: Int32Array; edge: Int32Array } {
  const { width } = nodeFields(s);
  const meta = s.snapshot.meta;
  const edgeWidth = meta.edge_fields.length;
  const [eType, eTo] = ['type', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const skip = ['weak', 'shortcut'].map((t) => meta.edge_types[0].indexOf(t));
  const countField = meta.node_fields.indexOf('edge_count');
  const nodeCount = s.nodes.length / width;
  const from = new Int32Array(nodeCount).fill(-1);
  const edge = new Int32Array(nodeCount).fill(-1);
  let e = 0;
  for (let n = 0; n < nodeCount; n++) {
    const end = e + s.nodes[n * width + countField] * edgeWidth;
    for (; e < end; e += edgeWidth) {
      if (skip.includes(s.edges[e + eType])) continue;
      const to = s.edges[e + eTo] / width;
      if (from[to] !== -1 || to === n) continue;
      from[to] = n;
      edge[to] = e;
    }
  }
  return { from, edge };
}

/**
 * An edge's name. Element and hidden edges carry an index, and so do the numeric keys of
 * dictionary-mode objects: all become `[]`, or a list of 2,000 clients would give 2,000 rows.
 */
function edgeLabel(s: Snapshot, e: number): string {
  const meta = s.snapshot.meta;
  const [eType, eName] = ['type', 'name_or_index'].map((f) => meta.edge_fields.indexOf(f));
  const t = meta.edge_types[0][s.edges[e + eType]];
  if (t === 'element' || t === 'hidden') return '[]';
  const name = s.strings[s.edges[e + eName]];
  return /^\d+$/.test(name) ? '[]' : name.slice(0, MAX_NAME);
}

/** Count and self size of each group of nodes that share a first-retainer label. */
export function retainerGroups(s: Snapshot): Map<string, Group> {
  const { width, size } = nodeFields(s);
  const { from, edge } = firstRetainers(s);
  const out = new Map<string, Group>();
  for (let n = 0; n < from.length; n++) {
    const holder =
      from[n] === -1 ? '(no retainer)' : `${retainerLabel(s, from[n] * width)} -[${edgeLabel(s, edge[n])}]->`;
    add(out, `${holder} ${nodeLabel(s, n * width)}`, s.nodes[n * width + size]);
  }
  return out;
}

/** Per-client growth of each group from `before` to `after`, largest first. */
export function perClient(
  before: Map<string, Group>,
  after: Map<string, Group>,
  clients: number,
): { label: string; count: number; bytes: number }[] {
  const rows = [...after].map(([label, g]) => {
    const b = before.get(label) ?? { count: 0, bytes: 0 };
    return { label, count: (g.count - b.count) / clients, bytes: (g.bytes - b.bytes) / clients };
  });
  return rows.sort((a, b) => b.bytes - a.bytes);
}
