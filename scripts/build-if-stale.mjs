// `npm run build`, but only when dist/ is missing or older than a source, so that small commands
// (`npm run token`, `npm run simulator`, `npm start`) do not spend seconds in tsc on a built tree.
// dist/.build-stamp records the newest source time a build started from; a build run by hand
// (`npm run build`) writes no stamp, so the next small command builds once more.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const STAMP = join(root, 'dist', '.build-stamp');
const OUTPUTS = ['dist/main.js', 'dist/auth/token-cli.js', 'dist/simulator/cli.js'];
const ROOT_SOURCES = /^(package(-lock)?\.json|tsconfig.*\.json)$/;

/** The newest modification among the sources (files and folders, so a deletion counts too). */
function newestSource() {
  let newest = { path: '', mtimeMs: 0 };
  const visit = (path) => {
    if (path.endsWith('.spec.ts')) return; // unit tests are not compiled into dist/ (tsconfig.build.json)
    const st = statSync(path);
    if (st.mtimeMs > newest.mtimeMs) newest = { path, mtimeMs: st.mtimeMs };
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(join(root, 'src'));
  visit(join(root, 'scripts', 'copy-assets.mjs'));
  for (const name of readdirSync(root)) if (ROOT_SOURCES.test(name)) visit(join(root, name));
  return newest;
}

function builtFrom() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).sourcesMtimeMs;
  } catch {
    return undefined;
  }
}

/** Why a build is needed, or undefined when dist/ is current. */
function staleReason(source) {
  const missing = OUTPUTS.find((o) => !existsSync(join(root, o)));
  if (missing) return `${missing} is missing`;
  const built = builtFrom();
  if (typeof built !== 'number') return 'dist/ has no build stamp';
  if (source.mtimeMs > built) return `${relative(root, source.path)} changed since the last build`;
  return undefined;
}

const source = newestSource();
const reason = staleReason(source);
if (reason) {
  process.stderr.write(`build: ${reason}; building\n`);
  // Through npm, so that the build stays defined in one place (package.json "build").
  const npm = process.env.npm_execpath;
  const r = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(STAMP, `${JSON.stringify({ sourcesMtimeMs: source.mtimeMs })}\n`);
} else if (process.argv.includes('--verbose')) {
  process.stderr.write('build: dist/ is up to date\n');
}
