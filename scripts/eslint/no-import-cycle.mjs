// ESLint rule: no import cycle among the files under src/ (type-only imports count: a cycle of types
// is still two files that cannot be understood one without the other). The import graph is read once
// per lint run with TypeScript's own pre-processor (typescript is already a dependency), its strongly
// connected components found with Tarjan's algorithm, and each import that stays inside one is reported.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../../src');
let cache; // { at, component: Map<file, index>, members: string[][] }

function sourceFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The .ts file a relative specifier names (`./x.js` → `./x.ts`), or undefined. */
function target(from, spec, known) {
  if (!spec.startsWith('.')) return undefined;
  const p = resolve(dirname(from), spec.replace(/\.js$/, '.ts'));
  return known.has(p) ? p : undefined;
}

function graph() {
  if (cache && Date.now() - cache.at < 5000) return cache;
  const files = sourceFiles(ROOT);
  const known = new Set(files);
  const edges = new Map();
  for (const f of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(f, 'utf8'), true, false);
    edges.set(f, [...new Set(importedFiles.map((i) => target(f, i.fileName, known)).filter(Boolean))]);
  }
  // Tarjan, iteratively (no recursion limit on a long chain).
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const component = new Map();
  const members = [];
  for (const start of files) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const out = edges.get(v);
      if (i < out.length) {
        frame[1]++;
        const w = out[i];
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const scc = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) {
          for (const m of scc) component.set(m, members.length);
          members.push(scc.map((m) => relative(ROOT, m)).sort());
        }
      }
    }
  }
  cache = { at: Date.now(), component, members };
  return cache;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'no import cycle among the files under src/' },
    schema: [],
    messages: { cycle: 'import cycle: {{files}} (docs/architecture.md: contracts at the bottom)' },
  },
  create(context) {
    const file = resolve(context.filename);
    if (!file.startsWith(ROOT + '/')) return {};
    const g = graph();
    const mine = g.component.get(file);
    if (mine === undefined) return {};
    const check = (node) => {
      if (!node.source || typeof node.source.value !== 'string') return;
      if (!node.source.value.startsWith('.')) return;
      const to = resolve(dirname(file), node.source.value.replace(/\.js$/, '.ts'));
      if (g.component.get(to) === mine) {
        context.report({
          node: node.source,
          messageId: 'cycle',
          data: { files: g.members[mine].join(' → ') },
        });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
