// Removes from an installed production tree (`npm ci --omit=dev`) the test tools that
// kiteconnect@5.3.0 declares as runtime dependencies (mocha, chai, nock, rimraf) together with every
// package only they need (serialize-javascript through mocha, among others), then checks that
// kiteconnect still loads. Run in the Docker runtime stage: `node scripts/prune-runtime.mjs [dir]`.
// npm's `overrides` cannot drop a dependency, and mapping them to a local stub leaves an `npm ls`
// that reports the tree invalid, so the tree is pruned after install instead.
import { existsSync, readdirSync, readFileSync, rmSync, lstatSync, readlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Dependencies that are never followed: package name → the dependencies of it to leave out. */
export const DROPPED = { kiteconnect: ['mocha', 'chai', 'nock', 'rimraf'] };

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Every installed package folder under `root/node_modules` (scoped and nested ones too). */
export function installedPackages(root) {
  const out = [];
  const visit = (nodeModules) => {
    if (!existsSync(nodeModules)) return;
    for (const name of readdirSync(nodeModules)) {
      if (name.startsWith('.')) continue;
      const dir = join(nodeModules, name);
      if (name.startsWith('@')) {
        for (const sub of readdirSync(dir)) add(join(dir, sub));
      } else {
        add(dir);
      }
    }
  };
  const add = (dir) => {
    if (!existsSync(join(dir, 'package.json'))) return;
    out.push(dir);
    visit(join(dir, 'node_modules'));
  };
  visit(join(root, 'node_modules'));
  return out;
}

/** Where Node would find `name` when required from package folder `from` (nearest node_modules up). */
function locate(name, from, root) {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root) return undefined;
    const parent = dirname(dir);
    // From root/node_modules/a/node_modules/b the next place is root/node_modules/a, then root.
    dir = parent.endsWith('node_modules') ? dirname(parent) : parent;
    if (!dir.startsWith(root)) return undefined;
  }
}

/** The package folders reachable from the root's dependencies without following DROPPED edges. */
export function reachable(root) {
  root = resolve(root);
  const seen = new Set();
  const queue = [[root, readJson(join(root, 'package.json'))]];
  while (queue.length > 0) {
    const [dir, pkg] = queue.shift();
    const skip = new Set(DROPPED[pkg.name] ?? []);
    const deps = { ...pkg.optionalDependencies, ...pkg.peerDependencies, ...pkg.dependencies };
    for (const name of Object.keys(deps)) {
      if (skip.has(name)) continue;
      const found = locate(name, dir, root);
      if (!found || seen.has(found)) continue;
      seen.add(found);
      queue.push([found, readJson(join(found, 'package.json'))]);
    }
  }
  return seen;
}

/** The installed package folders that nothing needs once the DROPPED edges are cut. */
export function prunable(root) {
  const keep = reachable(root);
  return installedPackages(resolve(root)).filter((dir) => !keep.has(dir));
}

function removeDanglingBins(root) {
  const bin = join(root, 'node_modules', '.bin');
  if (!existsSync(bin)) return;
  for (const name of readdirSync(bin)) {
    const link = join(bin, name);
    if (lstatSync(link).isSymbolicLink() && !existsSync(resolve(bin, readlinkSync(link)))) rmSync(link);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(process.argv[2] ?? '.');
  const gone = prunable(root);
  // Deepest first, so a nested folder is not looked for after its parent went.
  for (const dir of gone.sort((a, b) => b.length - a.length)) rmSync(dir, { recursive: true, force: true });
  removeDanglingBins(root);
  const names = [...new Set(gone.map((d) => readableName(root, d)))].sort();
  process.stdout.write(`pruned ${gone.length} packages: ${names.join(', ')}\n`);
  const { createRequire } = await import('node:module');
  const req = createRequire(join(root, 'package.json'));
  const { KiteConnect } = req('kiteconnect');
  new KiteConnect({ api_key: 'check' });
  process.stdout.write('kiteconnect still loads\n');
}

function readableName(root, dir) {
  return dir
    .slice(resolve(root).length + 1)
    .replace(/(^|\/)node_modules\//g, '$1')
    .replace(/^\//, '');
}
