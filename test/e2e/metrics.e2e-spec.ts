import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docSection } from '../helpers/docs.js';
import { MetricsServer } from '../../src/metrics/metrics-server.js';
import { TestApp } from '../helpers/test-app.js';

const root = join(import.meta.dirname, '..', '..', '..');

/** Every metric name the metrics table of docs/operations.md lists (`a`, `b` in a cell are two names). */
function documentedMetrics(): string[] {
  const table = docSection('docs/operations.md', '### Metrics');
  const names = new Set<string>();
  for (const line of table.split('\n').filter((l) => l.startsWith('| `'))) {
    const first = line.split('|')[1];
    for (const m of first.matchAll(/`([a-z_]+)(?:\{[^}]*\})?`/g)) if (!m[1].endsWith('_')) names.add(m[1]);
  }
  return [...names];
}

/** Every metric name the alert rules and the Grafana board query. */
function queriedMetrics(): string[] {
  const text =
    readFileSync(join(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8') +
    readFileSync(join(root, 'deploy', 'grafana', 'kite-relay.json'), 'utf8');
  return [
    ...new Set([...text.matchAll(/kite_relay_([a-z_]+?)(?:_bucket|_sum|_count)?\b/g)].map((m) => m[1])),
  ];
}

describe('metrics: what the docs, the alerts and the board name is what the app exports', () => {
  let t: TestApp;
  let exported: Set<string>;
  let counters: string[];
  before(async () => {
    t = await TestApp.start();
    const text = (await t.http('/metrics')).text;
    exported = new Set([...text.matchAll(/^# TYPE kite_relay_(\w+) /gm)].map((m) => m[1]));
    counters = [...text.matchAll(/^# TYPE kite_relay_(\w+) counter$/gm)].map((m) => m[1]);
  });
  after(async () => {
    await t?.close();
  });

  it('every metric of the docs table is exported, with the kite_relay_ prefix', () => {
    const documented = documentedMetrics();
    assert.ok(documented.length > 25, `read ${documented.length} names from docs/operations.md`);
    assert.deepEqual(
      documented.filter((n) => !exported.has(n)),
      [],
    );
  });

  it('every metric the alert rules and the Grafana board query is exported', () => {
    const queried = queriedMetrics();
    assert.ok(queried.length > 10);
    assert.deepEqual(
      queried.filter((n) => !exported.has(n)),
      [],
    );
  });

  it('counters end in _total, and a unit is the last word of a name (Prometheus naming)', () => {
    assert.ok(counters.length > 10);
    assert.deepEqual(
      counters.filter((n) => !n.endsWith('_total')),
      [],
    );
    const ours = [...exported].filter((n) => !n.startsWith('process_') && !n.startsWith('nodejs_'));
    assert.deepEqual(
      ours.filter((n) => /(seconds|bytes|_ms)_/.test(n) && !n.endsWith('_total')),
      [],
    );
  });
});

const METRICS_TOKEN = 'scrape-7f3a9c2e1b0d4f6a8e5c3b1a9d7f5e3c';

describe('metrics: METRICS_TOKEN guards /metrics with a bearer token', () => {
  const attempts: { name: string; headers: Record<string, string> }[] = [
    { name: 'no header', headers: {} },
    { name: 'another token', headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` } },
    { name: 'the token as Basic', headers: { authorization: `Basic ${METRICS_TOKEN}` } },
    { name: 'the bare token', headers: { authorization: METRICS_TOKEN } },
  ];
  let main: TestApp;
  let separate: TestApp;
  before(async () => {
    main = await TestApp.start({ redis: false, env: { METRICS_TOKEN } });
    separate = await TestApp.start({ redis: false, env: { METRICS_TOKEN, METRICS_PORT: '0' } });
  });
  after(async () => {
    await main?.close();
    await separate?.close();
  });

  it('on the main port: 401 with the error body and a Bearer challenge, 200 with the token', async () => {
    for (const a of attempts) {
      const r = await main.http('/metrics', { headers: a.headers });
      assert.equal(r.status, 401, a.name);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="kite-relay metrics"');
      assert.deepEqual(Object.keys(r.body as object).sort(), ['error', 'message', 'statusCode']);
      assert.ok(!r.text.includes('kite_relay_'), 'no metric leaks with the refusal');
      assert.ok(!r.text.includes(METRICS_TOKEN));
    }
    const ok = await main.http('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /^# TYPE kite_relay_clients_connected gauge$/m);
    assert.equal((await main.http('/health/ready')).status, 200, 'other routes need no token');
  });

  it('on METRICS_PORT: the same 401s, and 200 with the token', async () => {
    const url = `http://127.0.0.1:${separate.get(MetricsServer).port}/metrics`;
    for (const a of attempts) {
      const r = await fetch(url, { headers: a.headers });
      assert.equal(r.status, 401, a.name);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="kite-relay metrics"');
      assert.ok(!(await r.text()).includes('kite_relay_'));
    }
    const ok = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^# TYPE kite_relay_clients_connected gauge$/m);
  });
});
