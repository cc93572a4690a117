import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.js');
const READY = /READY port=\d+ node=\S+ feed=simulator cache=memory/;
const ANSI = new RegExp(String.raw`\x1b\[[0-9;]*m`, 'g');

/**
 * Runs the built app as `npm start` would, with stdout a pseudo-terminal (util-linux `script`) or a
 * pipe, until its READY line; answers its stdout lines without colours or carriage returns.
 */
async function startupLines(nodeEnv: string, terminal: boolean): Promise<string[]> {
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: nodeEnv,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'kr-data-')),
    JWT_SECRET: 'log-format-test-secret-0123456789abcdef',
  };
  const [cmd, args] = terminal
    ? ['script', ['-qfec', `'${process.execPath}' '${MAIN}'`, '/dev/null']]
    : [process.execPath, [MAIN]];
  // Its own process group, so that the app under `script` is stopped with it.
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitFor(() => READY.test(out), `READY (output so far: ${out}${err})`, 20_000);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  return out.replace(ANSI, '').replace(/\r/g, '').split('\n').filter(Boolean);
}

const isJson = (line: string) => {
  try {
    return typeof (JSON.parse(line) as { level?: unknown }).level === 'number';
  } catch {
    return false;
  }
};

describe('logs: human-readable in development on a terminal, JSON otherwise; READY greppable in both', () => {
  it('development on a terminal: pretty lines, no JSON, a READY line', async () => {
    const lines = await startupLines('development', true);
    assert.deepEqual(lines.filter(isJson), [], 'no JSON line');
    assert.ok(lines.some((l) => /^\[[\d:.]+\] INFO \(\d+\): Nest application successfully started/.test(l)));
    const ready = lines.filter((l) => READY.test(l));
    assert.equal(ready.length, 1);
    assert.match(ready[0], /^\[[\d:.]+\] INFO \(\d+\): READY port=[1-9]\d* /);
  });

  it('development with stdout a pipe: every line is JSON, READY among them', async () => {
    const lines = await startupLines('development', false);
    assert.deepEqual(
      lines.filter((l) => !isJson(l)),
      [],
    );
    const ready = lines.filter((l) => READY.test(l));
    assert.equal(ready.length, 1);
    assert.match((JSON.parse(ready[0]) as { msg: string }).msg, /^READY port=[1-9]\d* /);
  });

  it('outside development (NODE_ENV=test) on a terminal: JSON', async () => {
    const lines = await startupLines('test', true);
    assert.deepEqual(
      lines.filter((l) => !isJson(l)),
      [],
    );
    assert.equal(lines.filter((l) => READY.test(l)).length, 1);
  });
});
