import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait.js';

const root = join(import.meta.dirname, '..', '..', '..');
const build = join(import.meta.dirname, '..', '..');
const TEST_TOOLS = ['mocha', 'chai', 'nock', 'rimraf', 'serialize-javascript'];

interface LsNode {
  version?: string;
  dependencies?: Record<string, LsNode>;
}

/** Every package name in an `npm ls --json` tree. */
function names(tree: LsNode, out = new Set<string>()): Set<string> {
  for (const [name, node] of Object.entries(tree.dependencies ?? {})) {
    out.add(name);
    names(node, out);
  }
  return out;
}

describe('dependencies: the production tree', () => {
  it('kiteconnect@5.3.0 pulls its test tools into `npm ls --omit=dev` (why the image prunes them)', () => {
    const ls = spawnSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: root, encoding: 'utf8' });
    const tree = JSON.parse(ls.stdout) as LsNode;
    const kite = tree.dependencies?.kiteconnect;
    assert.equal(kite?.version, '5.3.0');
    // If a kiteconnect release drops them, the pruning step has nothing left to do: fine either way.
    const pulled = TEST_TOOLS.filter((n) => names(tree).has(n));
    assert.ok(pulled.length === 0 || pulled.includes('mocha'), pulled.join());
  });

  it('after `npm ci --omit=dev` and the pruning step the tree holds none of them, kiteconnect loads and the app boots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-prod-'));
    try {
      for (const f of ['package.json', 'package-lock.json']) cpSync(join(root, f), join(dir, f));
      const ci = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(ci.status, 0, ci.stderr);
      const before = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
        cwd: dir,
        encoding: 'utf8',
      });
      const prune = spawnSync(process.execPath, [join(root, 'scripts', 'prune-runtime.mjs'), dir], {
        encoding: 'utf8',
      });
      assert.equal(prune.status, 0, prune.stderr);
      assert.match(prune.stdout, /^pruned \d+ packages: .*\bmocha\b/m);
      assert.match(prune.stdout, /^kiteconnect still loads$/m);
      const left = spawnSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: dir, encoding: 'utf8' });
      const installed = names(JSON.parse(left.stdout) as LsNode);
      // npm ls still lists kiteconnect's declared (now missing) dependencies by name; the folders are gone.
      for (const tool of TEST_TOOLS) {
        const folders = spawnSync('find', ['node_modules', '-type', 'd', '-name', tool], {
          cwd: dir,
          encoding: 'utf8',
        });
        assert.equal(folders.stdout.trim(), '', `${tool} is still installed`);
      }
      assert.ok(installed.has('kiteconnect') && installed.has('axios') && installed.has('@nestjs/core'));
      assert.ok(before.stdout.split('\n').length > 200, 'the unpruned tree was the full one');
      // The compiled app, booted on the pruned tree (as in the image).
      cpSync(join(build, 'src'), join(dir, 'dist'), { recursive: true });
      const port = await freePort();
      const child = spawn(process.execPath, [join(dir, 'dist', 'main.js')], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', PORT: String(port), HOST: '127.0.0.1' },
        stdio: 'ignore',
      });
      try {
        await waitFor(
          async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200,
          'the app on the pruned tree',
          20_000,
        );
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the Dockerfile runtime stage prunes right after installing the production dependencies', () => {
    const df = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');
    const runtime = df.slice(df.lastIndexOf('FROM '));
    assert.match(runtime, /^COPY scripts\/prune-runtime\.mjs \.\/scripts\/$/m);
    assert.match(runtime, /^RUN npm ci --omit=dev [^\n]*&& node scripts\/prune-runtime\.mjs/m);
    assert.ok(existsSync(join(root, 'scripts', 'prune-runtime.mjs')));
  });
});
