// Named .e2e-spec so that scripts/test.mjs runs it: under test/ it collects only that suffix.
// It is a unit spec of heap-groups.ts on a hand-made snapshot, no server involved.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstRetainers, perClient, retainerGroups, type Snapshot } from './heap-groups.js';

const NODE_TYPES = ['synthetic', 'object', 'string', 'closure'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const LONG = 'K'.repeat(50);

/** nodes: [type, name, self_size, [edge type, name or index, to ordinal]...] */
function snapshot(nodes: [string, string, number, [string, string | number, number][]][]): Snapshot {
  const strings: string[] = [];
  const str = (x: string) => (strings.includes(x) ? strings.indexOf(x) : strings.push(x) - 1);
  const width = 5;
  return {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [NODE_TYPES],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [EDGE_TYPES],
      },
    },
    nodes: nodes.flatMap(([t, name, size, edges], id) => [
      NODE_TYPES.indexOf(t),
      str(name),
      id,
      size,
      edges.length,
    ]),
    edges: nodes.flatMap(([, , , edges]) =>
      edges.flatMap(([t, name, to]) => [
        EDGE_TYPES.indexOf(t),
        typeof name === 'number' ? name : str(name),
        to * width,
      ]),
    ),
    strings,
  };
}

// 0 roots, 1 a client (long constructor name), 2 its socket, 3 a string, 4 a closure, 5 garbage.
const heap = snapshot([
  [
    'synthetic',
    '(GC roots)',
    0,
    [
      ['weak', 'cache', 2],
      ['shortcut', 'text', 3],
      ['property', 'client', 1],
    ],
  ],
  [
    'object',
    LONG,
    100,
    [
      ['property', 'socket', 2],
      ['element', 7, 3],
      ['property', '123', 4],
    ],
  ],
  ['object', 'Socket', 50, [['property', 'owner', 1]]],
  ['string', 'some text', 20, []],
  ['closure', 'onData', 30, []],
  ['object', 'Orphan', 10, []],
]);

describe('heap snapshot grouping by first retainer', () => {
  it('takes the first holder in snapshot order, past weak and shortcut edges', () => {
    const { from } = firstRetainers(heap);
    // The socket is weakly held by the roots and the string through a shortcut: neither keeps
    // them alive, so the client is their retainer; the client's own later holder (its socket)
    // does not displace the roots.
    assert.deepEqual([...from], [-1, 0, 1, 1, 1, -1]);
  });

  it('labels each group by holder, edge and constructor, with indexes and long names folded', () => {
    const k = `object:${'K'.repeat(40)}`;
    assert.deepEqual(
      Object.fromEntries(retainerGroups(heap)),
      Object.fromEntries([
        ['(no retainer) synthetic:', { count: 1, bytes: 0 }],
        [`synthetic:(GC roots) -[client]-> ${k}`, { count: 1, bytes: 100 }],
        [`${k} -[socket]-> object:Socket`, { count: 1, bytes: 50 }],
        [`${k} -[[]]-> string`, { count: 1, bytes: 20 }],
        [`${k} -[[]]-> closure:onData`, { count: 1, bytes: 30 }],
        ['(no retainer) object:Orphan', { count: 1, bytes: 10 }],
      ]),
    );
  });

  it('gives per-client growth, largest first, counting groups new in the later snapshot', () => {
    const before = new Map([
      ['a', { count: 2, bytes: 100 }],
      ['b', { count: 1, bytes: 10 }],
    ]);
    const after = new Map([
      ['a', { count: 4, bytes: 140 }],
      ['b', { count: 3, bytes: 110 }],
      ['c', { count: 2, bytes: 60 }],
    ]);
    assert.deepEqual(perClient(before, after, 2), [
      { label: 'b', count: 1, bytes: 50 },
      { label: 'c', count: 1, bytes: 30 },
      { label: 'a', count: 1, bytes: 20 },
    ]);
  });
});
