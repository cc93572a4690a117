import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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

/** Loaded into scarf's postinstall (and the npm it runs): any network call is printed and refused. */
const NO_NETWORK = `
const deny = (what) => function (arg) {
  process.stderr.write('NETWORK ' + what + ' ' + JSON.stringify((arg && (arg.host || arg.hostname)) || String(arg)) + '\\n');
  throw new Error('network refused by the test');
};
for (const m of ['http', 'https']) { const mod = require(m); mod.request = deny(m + '.request'); mod.get = deny(m + '.get'); }
const net = require('net');
net.connect = deny('net.connect'); net.createConnection = deny('net.createConnection');
require('tls').connect = deny('tls.connect');
require('dns').lookup = deny('dns.lookup');
`;

describe('dependencies: install scripts (@scarf/scarf, pulled by swagger-ui-dist)', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scarfSettings?: { enabled?: boolean };
    allowScripts?: Record<string, boolean>;
  };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { hasInstallScript?: boolean }>;
  };

  /** Runs scarf's postinstall as npm would for the project in `project`, with the network refused. */
  function scarfPostinstall(project: string, preload: string) {
    return spawnSync(process.execPath, ['report.js'], {
      cwd: join(root, 'node_modules', '@scarf', 'scarf'),
      encoding: 'utf8',
      timeout: 60_000,
      // Only what npm itself would pass: no SCARF_ANALYTICS or DO_NOT_TRACK to hide behind.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        INIT_CWD: project,
        SCARF_VERBOSE: 'true',
        NODE_OPTIONS: `--require ${preload}`,
      },
    });
  }

  it('package.json turns Scarf off (scarfSettings.enabled=false) and denies its install script (allowScripts)', () => {
    assert.equal(pkg.scarfSettings?.enabled, false);
    assert.equal(pkg.allowScripts?.['@scarf/scarf'], false);
  });

  it('every package of the lockfile with an install script has a reviewed allowScripts entry; npm lists none pending', () => {
    const scripted = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    assert.ok(scripted.includes('@scarf/scarf'), scripted.join());
    assert.deepEqual(
      scripted.filter((name) => pkg.allowScripts?.[name] === undefined),
      [],
    );
    const pending = spawnSync('npm', ['approve-scripts', '--allow-scripts-pending', '--json', '--offline'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(pending.status, 0, pending.stderr);
    assert.deepEqual((JSON.parse(pending.stdout) as { allowScripts: unknown[] }).allowScripts, []);
  });

  it("scarf's postinstall, run as npm would for this project, stops before any network call; without scarfSettings it would call scarf.sh", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-scarf-'));
    try {
      const preload = join(dir, 'no-network.cjs');
      writeFileSync(preload, NO_NETWORK);
      const ours = scarfPostinstall(root, preload);
      assert.equal(ours.status, 0, ours.stderr);
      assert.ok(!`${ours.stdout}${ours.stderr}`.includes('NETWORK'), ours.stderr);
      assert.match(`${ours.stdout}${ours.stderr}`, /Scarf has been disabled|opted out/);
      // The control: the same project without scarfSettings (the refusal above is what keeps it quiet).
      const control = join(dir, 'control');
      mkdirSync(control);
      const { scarfSettings: _off, ...without } = pkg;
      writeFileSync(join(control, 'package.json'), JSON.stringify(without));
      symlinkSync(join(root, 'node_modules'), join(control, 'node_modules'));
      const phoned = scarfPostinstall(control, preload);
      assert.match(phoned.stderr, /^NETWORK https\.request "scarf\.sh"$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
