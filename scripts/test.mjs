// The one test command (`npm test`): type-check and compile, lint, format check, then every
// unit and e2e test under node's test runner. Ends with the runner's summary and a plain
// "N passed, N failed" line so that a run that executed nothing is visible.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const only = process.argv.slice(2); // optional filters: substrings of test file paths
const quick = process.env.KR_TEST_SKIP_CHECKS === '1';

function step(name, cmd, args, env = {}) {
  process.stdout.write(`\n> ${name}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.log(`\n${name} failed (exit ${r.status ?? r.signal})`);
    console.log('tests: 0 passed, 1 failed');
    process.exit(1);
  }
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const bin = (name) => join(root, 'node_modules', '.bin', name);
step('typecheck + compile (tsc)', bin('tsc'), ['-p', 'tsconfig.json']);
step('copy assets', process.execPath, ['scripts/copy-assets.mjs', '.build/src']);
if (!quick) {
  step('lint (eslint --max-warnings 0)', bin('eslint'), ['.', '--max-warnings', '0']);
  step('format (prettier --check)', bin('prettier'), ['--check', '.', '--log-level', 'warn']);
}

const build = join(root, '.build');
const files = [
  ...walk(join(build, 'src')).filter((f) => f.endsWith('.spec.js')),
  ...walk(join(build, 'test')).filter((f) => f.endsWith('.e2e-spec.js')),
]
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.log('no test files found');
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}

mkdirSync(join(root, 'test-artifacts'), { recursive: true });
const tap = join(root, 'test-artifacts', 'results.tap');
process.stdout.write(`\n> node --test (${files.length} files)\n`);
const r = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    // A safety net, so that a broken test fails instead of hanging CI: no test runs past 5 minutes
    // (the longest, the 2-minute recording, takes about 2.5). Not --test-force-exit: in a full run
    // it ended market-status.spec before its last suite, which then went unreported, not failed.
    '--test-timeout=300000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  // A zone far from IST proves that no market-time computation depends on the machine's zone.
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TZ: 'America/New_York', NODE_ENV: 'test' },
    // A file kept alive by something it left open (a child process) would hang the run: after 25
    // minutes (a full run takes about 7) the runner is killed and the run fails.
    timeout: 25 * 60_000,
    killSignal: 'SIGKILL',
  },
);
if (r.error) console.log(`\nnode --test did not finish: ${r.error.message}`);
const text = readFileSync(tap, 'utf8');
const count = (k) => Number((text.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
const pass = count('pass');
const fail = count('fail') + count('cancelled');
const skipped = count('skipped') + count('todo');
const failed = r.status !== 0 || fail > 0 || pass === 0;
console.log(`\ntests: ${pass} passed, ${failed && fail === 0 ? 1 : fail} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
