import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, '..', '..', '..', 'scripts', 'build-if-stale.mjs');

/**
 * A project tree of its own in a temp dir: the real script, a few sources, and a "build" script
 * that stands in for tsc (it writes dist/ and counts its runs), so the test races no real build.
 */
function project(buildExit = 0) {
  const root = mkdtempSync(join(tmpdir(), 'kr-build-'));
  mkdirSync(join(root, 'scripts'));
  mkdirSync(join(root, 'src', 'auth'), { recursive: true });
  copyFileSync(SCRIPT, join(root, 'scripts', 'build-if-stale.mjs'));
  writeFileSync(join(root, 'scripts', 'copy-assets.mjs'), '');
  writeFileSync(join(root, 'src', 'main.ts'), 'export {};\n');
  writeFileSync(join(root, 'src', 'auth', 'token-cli.ts'), 'export {};\n');
  writeFileSync(join(root, 'tsconfig.json'), '{}\n');
  writeFileSync(
    join(root, 'fake-build.mjs'),
    `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync('builds.log', 'built\\n');
for (const d of ['dist/auth', 'dist/simulator']) mkdirSync(d, { recursive: true });
for (const f of ['dist/main.js', 'dist/auth/token-cli.js', 'dist/simulator/cli.js']) writeFileSync(f, '');
process.exit(${buildExit});
`,
  );
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'p', private: true, type: 'module', scripts: { build: 'node fake-build.mjs' } }),
  );
  // Every source a minute old, so that a later touch is unambiguously newer (mtime granularity).
  const past = new Date(Date.now() - 60_000);
  for (const f of [
    'src/main.ts',
    'src/auth/token-cli.ts',
    'src/auth',
    'src',
    'tsconfig.json',
    'package.json',
  ]) {
    utimesSync(join(root, f), past, past);
  }
  utimesSync(join(root, 'scripts', 'copy-assets.mjs'), past, past);
  const run = () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs'), '--verbose'], {
      cwd: root,
      encoding: 'utf8',
    });
    return { status: r.status, stderr: r.stderr };
  };
  const builds = () => {
    try {
      return readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  let mtime = Date.now(); // each touch 5 s later than the last
  const touch = (rel: string) => {
    const later = new Date((mtime += 5_000));
    utimesSync(join(root, rel), later, later);
  };
  return { root, run, builds, touch, done: () => rmSync(root, { recursive: true, force: true }) };
}

describe('scripts/build-if-stale.mjs: small commands build only when dist/ is stale', () => {
  it('builds a tree without dist/, then skips the build while nothing changed', () => {
    const p = project();
    try {
      const first = p.run();
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stderr, /dist\/main\.js is missing; building/);
      assert.equal(p.builds(), 1);
      const distMtime = statSync(join(p.root, 'dist', 'main.js')).mtimeMs;

      for (let i = 0; i < 2; i++) {
        const again = p.run();
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stderr, /up to date/);
      }
      assert.equal(p.builds(), 1, 'no second build');
      assert.equal(statSync(join(p.root, 'dist', 'main.js')).mtimeMs, distMtime, 'dist untouched');
    } finally {
      p.done();
    }
  });

  it('rebuilds once after a source, tsconfig.json, package.json or a folder (a deletion) changes', () => {
    const p = project();
    try {
      assert.equal(p.run().status, 0);
      let builds = 1;
      for (const changed of ['src/auth/token-cli.ts', 'tsconfig.json', 'package.json', 'src/auth']) {
        p.touch(changed);
        const r = p.run();
        assert.equal(r.status, 0, r.stderr);
        assert.ok(r.stderr.includes(`${changed} changed since the last build; building`), r.stderr);
        assert.equal(p.builds(), ++builds, changed);
        assert.match(p.run().stderr, /up to date/);
        assert.equal(p.builds(), builds, `${changed}: once`);
      }
    } finally {
      p.done();
    }
  });

  it('a unit test file (*.spec.ts, not compiled into dist/) changing does not rebuild', () => {
    const p = project();
    try {
      writeFileSync(join(p.root, 'src', 'auth', 'token-cli.spec.ts'), 'export {};\n');
      const past = new Date(Date.now() - 60_000);
      utimesSync(join(p.root, 'src', 'auth'), past, past);
      assert.equal(p.run().status, 0);
      p.touch('src/auth/token-cli.spec.ts');
      assert.match(p.run().stderr, /up to date/);
      assert.equal(p.builds(), 1);
    } finally {
      p.done();
    }
  });

  it('rebuilds when an output is missing', () => {
    const p = project();
    try {
      assert.equal(p.run().status, 0);
      rmSync(join(p.root, 'dist', 'simulator', 'cli.js'));
      assert.match(p.run().stderr, /dist\/simulator\/cli\.js is missing/);
      assert.equal(p.builds(), 2);
    } finally {
      p.done();
    }
  });

  it('a failed build exits with its status and is tried again next time', () => {
    const p = project(2);
    try {
      assert.equal(p.run().status, 2);
      const again = p.run();
      assert.equal(again.status, 2);
      assert.match(again.stderr, /no build stamp; building/);
      assert.equal(p.builds(), 2);
    } finally {
      p.done();
    }
  });
});
