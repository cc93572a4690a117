// ESLint rule: no import cycle among the files under src/ (type-only imports count: a cycle of types
// is still two files that cannot be understood one without the other), and none among its folders
// (production files only; the root files are the composition root and may import every folder). The import graph is read once
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

/** Strongly connected components of size > 1 (Tarjan, iteratively: no recursion limit on a long chain). */
function components(nodes, edges) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const component = new Map();
  const members = [];
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const out = edges.get(v) ?? [];
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
          members.push(scc);
        }
      }
    }
  }
  return { component, members };
}

/** The folder under src/ a file is in, or undefined for the root files (the composition root). */
const folderOf = (file) => {
  const parts = relative(ROOT, file).split('/');
  return parts.length > 1 ? parts[0] : undefined;
};

function graph() {
  if (cache && Date.now() - cache.at < 5000) return cache;
  const files = sourceFiles(ROOT);
  const known = new Set(files);
  const edges = new Map();
  for (const f of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(f, 'utf8'), true, false);
    edges.set(f, [...new Set(importedFiles.map((i) => target(f, i.fileName, known)).filter(Boolean))]);
  }
  const byFile = components(files, edges);
  // Folders: one node each, an edge where a production file of one imports a file of another.
  const folderEdges = new Map();
  for (const f of files) {
    const a = folderOf(f);
    if (a === undefined || f.endsWith('.spec.ts')) continue;
    const out = folderEdges.get(a) ?? new Set();
    for (const t of edges.get(f)) if (folderOf(t) !== undefined && folderOf(t) !== a) out.add(folderOf(t));
    folderEdges.set(a, out);
  }
  const byFolder = components(
    [...folderEdges.keys()].sort(),
    new Map([...folderEdges].map(([k, v]) => [k, [...v].sort()])),
  );
  cache = {
    at: Date.now(),
    component: byFile.component,
    members: byFile.members.map((scc) => scc.map((m) => relative(ROOT, m)).sort()),
    folder: byFolder.component,
    folders: byFolder.members.map((scc) => [...scc].sort()),
  };
  return cache;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'no import cycle among the files under src/' },
    schema: [],
    messages: {
      cycle: 'import cycle: {{files}} (docs/architecture.md: contracts at the bottom)',
      folderCycle:
        'folder cycle: {{folders}} reach each other through imports (docs/architecture.md: features depend one way)',
    },
  },
  create(context) {
    const file = resolve(context.filename);
    if (!file.startsWith(ROOT + '/')) return {};
    const g = graph();
    const mine = g.component.get(file);
    const folder = folderOf(file);
    const myFolders = file.endsWith('.spec.ts') || !folder ? undefined : g.folder.get(folder);
    if (mine === undefined && myFolders === undefined) return {};
    const check = (node) => {
      if (!node.source || typeof node.source.value !== 'string') return;
      if (!node.source.value.startsWith('.')) return;
      const to = resolve(dirname(file), node.source.value.replace(/\.js$/, '.ts'));
      if (mine !== undefined && g.component.get(to) === mine) {
        context.report({
          node: node.source,
          messageId: 'cycle',
          data: { files: g.members[mine].join(' → ') },
        });
      }
      const other = folderOf(to);
      if (myFolders !== undefined && other && other !== folder && g.folder.get(other) === myFolders) {
        context.report({
          node: node.source,
          messageId: 'folderCycle',
          data: { folders: g.folders[myFolders].join(', ') },
        });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
