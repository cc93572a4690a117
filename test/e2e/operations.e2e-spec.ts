import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_KEYS, SECRET_KEYS } from '../../src/config/config-keys.js';
import { isPlaceholder } from '../../src/config/config.schema.js';
import { DRAIN_MS } from '../../src/health/readiness.service.js';
import { METRIC_PREFIX, MetricsService } from '../../src/metrics/metrics.service.js';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
const missing = (cmd: string, args: string[], install: string) =>
  run(cmd, args).status === 0 ? false : `${cmd} is not installed (${install})`;
const noPromtool = missing('promtool', ['--version'], 'apt-get install prometheus');
const noKubectl = missing('kubectl', ['version', '--client'], 'see https://kubernetes.io/docs/tasks/tools/');
const noCompose = missing('docker-compose', ['version'], 'apt-get install docker-compose');

/** Debian's promtool is built without Kubernetes service discovery; probe with a minimal config. */
function promtoolLacksKubernetesSd(): string | false {
  if (noPromtool) return noPromtool;
  const dir = mkdtempSync(join(tmpdir(), 'kr-sd-'));
  try {
    const file = join(dir, 'p.yml');
    writeFileSync(
      file,
      JSON.stringify({ scrape_configs: [{ job_name: 'x', kubernetes_sd_configs: [{ role: 'pod' }] }] }),
    );
    const ok = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' }).status === 0;
    return ok ? false : 'this promtool is built without Kubernetes service discovery (Debian)';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `promtool check config` of a deploy file whose scrape job sends METRICS_TOKEN from `tokenFile`:
 * promtool insists that the file exists, and it exists only where Prometheus runs, so the check
 * runs on a copy (next to the rules it loads) that reads a token file made here instead.
 */
function checkScrapeConfig(file: string, tokenFile: string) {
  const text = read(file);
  assert.ok(text.includes(`credentials_file: ${tokenFile}`), `${file} sends the token from ${tokenFile}`);
  const dir = mkdtempSync(join(tmpdir(), 'kr-prom-'));
  try {
    writeFileSync(join(dir, 'metrics-token'), 'scrape-token-for-promtool-0123456789abcdef');
    cpSync(join(root, 'deploy', 'prometheus', 'alerts.yml'), join(dir, 'alerts.yml'));
    const copy = join(dir, 'prometheus.yml');
    writeFileSync(copy, text.replace(tokenFile, join(dir, 'metrics-token')));
    return spawnSync('promtool', ['check', 'config', copy], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The process exits within this long after SIGTERM, drain included (main.ts). */
const EXIT_BOUND_S = 10;

/** The metrics kite-relay exports (the issue's contract), without the prefix; prom-client's defaults are added below. */
const APP_METRICS = [
  ...['upstream_connections', 'upstream_instruments', 'ticks_received_total', 'ticks_delivered_total'],
  ...[
    'ticks_conflated_total',
    'frames_malformed_total',
    'packets_skipped_total',
    'upstream_reconnects_total',
  ],
  ...['feed_state', 'clients_connected', 'ack_errors_total', 'cache_hits_total', 'cache_misses_total'],
  ...['cache_fallbacks_total', 'cache_redis_active', 'market_status', 'market_next_open_timestamp_seconds'],
  ...['session_state', 'session_expires_at_seconds', 'last_tick_timestamp_seconds', 'cache_mode'],
  ...['subscribe_rejected_total', 'kite_requests_total', 'node_info', 'cluster_fencing'],
];
async function knownMetrics(): Promise<Set<string>> {
  const defaults = await new MetricsService().registry.getMetricsAsJSON();
  const names = defaults.flatMap((m) =>
    String(m.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name],
  );
  return new Set(['up', ...names, ...APP_METRICS.map((n) => METRIC_PREFIX + n)]);
}

/** Metric names a PromQL expression selects: identifiers that are not functions, keywords, labels or durations. */
function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const words = new Set(['and', 'or', 'unless', 'bool', 'offset']);
  return [...s.matchAll(/(?<![\w:.$])([A-Za-z_:][\w:]*)(\s*\()?/g)]
    .filter((m) => !m[2] && !words.has(m[1]))
    .map((m) => m[1]);
}

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = () =>
  (parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] }).groups[0].rules;

describe('Prometheus: alert rules and scrape config', () => {
  it('each alert carries a severity, a summary and a one-line runbook, and selects only exported metrics', async () => {
    const known = await knownMetrics();
    const alerts = rules();
    assert.deepEqual(
      alerts.map((r) => r.alert),
      [
        ...[
          'KiteRelayNoSessionBeforeOpen',
          'KiteRelayFeedNotLive',
          'KiteRelayNoTicks',
          'KiteRelayCacheFallback',
        ],
        ...['KiteRelayUpstreamReconnects', 'KiteRelayEventLoopLag', 'KiteRelayDown', 'KiteRelayNodeDown'],
      ],
    );
    for (const r of alerts) {
      assert.match(r.labels?.severity ?? '', /^(critical|warning)$/, r.alert);
      assert.ok(r.annotations?.summary, `${r.alert}: summary`);
      assert.match(r.annotations?.runbook ?? '', /^[^\n]{20,}$/, `${r.alert}: runbook`);
      const unknown = metricNames(r.expr).filter((n) => !known.has(n));
      assert.deepEqual(unknown, [], `${r.alert} selects metrics kite-relay does not export`);
    }
  });

  it('the unit tests cover every alert both firing and quiet', () => {
    type Case = { alertname: string; exp_alerts?: unknown[] };
    const tests = (
      parse(read('deploy/prometheus/alerts.test.yml')) as { tests: { alert_rule_test: Case[] }[] }
    ).tests;
    const cases = tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of rules()) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert} never fires in a test`,
      );
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert} is never quiet in a test`,
      );
    }
  });

  it('promtool checks the rules and runs their unit tests', { skip: noPromtool }, () => {
    const check = run('promtool', ['check', 'rules', 'deploy/prometheus/alerts.yml']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const test = run('promtool', ['test', 'rules', 'deploy/prometheus/alerts.test.yml']);
    assert.equal(test.status, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /SUCCESS/);
  });

  it(
    'promtool accepts prometheus.yml, which scrapes kite-relay:9464 as job kite-relay and loads the rules',
    {
      skip: noPromtool,
    },
    () => {
      const r = checkScrapeConfig('deploy/prometheus/prometheus.yml', '/run/secrets/metrics_token');
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${rules().length} rules found`));
      type Job = { job_name: string; static_configs: { targets: string[] }[] };
      const cfg = parse(read('deploy/prometheus/prometheus.yml')) as { scrape_configs: Job[] };
      const job = cfg.scrape_configs.find((j) => j.job_name === 'kite-relay');
      assert.deepEqual(
        job?.static_configs.flatMap((s) => s.targets),
        ['kite-relay:9464'],
      );
    },
  );

  it('promtool accepts prometheus.kubernetes.yml', { skip: promtoolLacksKubernetesSd() }, () => {
    const r = checkScrapeConfig(
      'deploy/prometheus/prometheus.kubernetes.yml',
      '/etc/prometheus/secrets/kite-relay/metrics-token',
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

type Target = { expr: string; datasource: { uid: string } };
type Panel = {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  datasource?: { uid: string };
};
type Variable = { name: string; type: string; query: string | { query: string } };
const board = () =>
  JSON.parse(read('deploy/grafana/kite-relay.json')) as {
    uid: string;
    schemaVersion: number;
    panels: Panel[];
    templating: { list: Variable[] };
  };
const queries = (panels: Panel[]) => panels.flatMap((p) => (p.targets ?? []).map((t) => ({ p, t })));

describe('Grafana board', () => {
  it('is a dashboard JSON with a uid, a recent schema and panels laid out on the 24-column grid without overlap', () => {
    const b = board();
    assert.match(b.uid, /^[\w-]{1,40}$/);
    assert.ok(b.schemaVersion >= 39, `schemaVersion ${b.schemaVersion}`);
    const cells = new Set<string>();
    for (const p of b.panels) {
      const { x, y, w, h } = p.gridPos;
      assert.ok([x, y, w, h].every(Number.isInteger) && w > 0 && h > 0 && x + w <= 24, p.title);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          assert.ok(!cells.has(`${i},${j}`), `${p.title} overlaps another panel`);
          cells.add(`${i},${j}`);
        }
      }
    }
  });

  it('has datasource, node (from node_info) and instance variables, and every query uses them', () => {
    const b = board();
    const v = new Map(b.templating.list.map((x) => [x.name, x]));
    assert.equal(v.get('datasource')?.type, 'datasource');
    assert.equal(v.get('datasource')?.query, 'prometheus');
    const q = (name: string) => JSON.stringify(v.get(name)?.query);
    assert.match(q('node'), /label_values\(kite_relay_node_info, node_id\)/);
    assert.match(q('instance'), /kite_relay_node_info\{node_id=~\\"\$node\\"\}/);
    for (const { p, t } of queries(b.panels)) {
      assert.equal(t.datasource.uid, '${datasource}', p.title);
      assert.ok(t.expr.includes('instance=~"$instance"'), `${p.title}: ${t.expr}`);
    }
  });

  it('shows what an operator needs, and its queries name only metrics kite-relay exports', async () => {
    const known = await knownMetrics();
    const all = queries(board().panels);
    for (const { p, t } of all) {
      assert.deepEqual(
        metricNames(t.expr).filter((n) => !known.has(n)),
        [],
        `${p.title}: ${t.expr}`,
      );
    }
    const used = new Set(all.flatMap(({ t }) => metricNames(t.expr)));
    for (const m of [
      ...['feed_state', 'upstream_connections', 'ticks_received_total', 'ticks_delivered_total'],
      ...['clients_connected', 'ticks_conflated_total', 'ack_errors_total', 'subscribe_rejected_total'],
      ...['cache_mode', 'cache_fallbacks_total', 'kite_requests_total', 'nodejs_eventloop_lag_p99_seconds'],
      ...['process_resident_memory_bytes', 'session_expires_at_seconds', 'market_status'],
    ]) {
      assert.ok(used.has(METRIC_PREFIX + m), `no panel shows ${m}`);
    }
  });

  it('every panel query is valid PromQL (promtool)', { skip: noPromtool }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-board-'));
    try {
      const rules = queries(board().panels).map(({ t }, i) => ({
        record: `panel_query_${i}`,
        expr: t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*'),
      }));
      writeFileSync(join(dir, 'q.yml'), JSON.stringify({ groups: [{ name: 'board', rules }] }));
      const r = spawnSync('promtool', ['check', 'rules', join(dir, 'q.yml')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('provisioning loads the board from where compose mounts it, with the compose Prometheus as datasource', () => {
    type Ds = { type: string; url: string };
    const ds = (
      parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: Ds[] }
    ).datasources;
    assert.deepEqual(
      ds.map((d) => [d.type, d.url]),
      [['prometheus', 'http://prometheus:9090']],
    );
    type Provider = { type: string; options: { path: string } };
    const [provider] = (
      parse(read('deploy/grafana/provisioning/dashboards/kite-relay.yml')) as { providers: Provider[] }
    ).providers;
    const grafana = composeFile().services.grafana;
    const target = grafana.volumes
      ?.find((v) => v.startsWith('../deploy/grafana/kite-relay.json:'))
      ?.split(':')[1];
    assert.equal(dirname(target ?? ''), provider.options.path);
  });
});

type Service = {
  image?: string;
  profiles?: string[];
  ports?: string[];
  healthcheck?: unknown;
  volumes?: string[];
  networks?: string[];
};
const composeFile = () =>
  parse(read('docker/docker-compose.prod.yml')) as { services: Record<string, Service> };

describe('compose: the monitoring profile', () => {
  it('adds Prometheus and Grafana (official images, major pinned) only under the profile, with healthchecks', () => {
    const { services } = composeFile();
    for (const [name, s] of Object.entries(services)) {
      const monitoring = name === 'prometheus' || name === 'grafana';
      assert.deepEqual(s.profiles, monitoring ? ['monitoring'] : undefined, name);
      assert.ok(s.healthcheck, `${name} has no healthcheck`);
    }
    assert.match(services.prometheus.image ?? '', /^prom\/prometheus:v\d+$/);
    // Grafana publishes no major-only tag: a major.minor line is the loosest pin there is.
    assert.match(services.grafana.image ?? '', /^grafana\/grafana:\d+\.\d+$/);
  });

  it('never publishes the metrics port; Grafana only on the loopback; every mounted file exists', () => {
    const { services } = composeFile();
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) assert.ok(!/9464|9090/.test(p), `${name} publishes ${p}`);
    }
    assert.equal(services.prometheus.ports, undefined);
    assert.ok(services.grafana.ports?.every((p) => p.startsWith('127.0.0.1:')));
    assert.ok(services.prometheus.networks?.includes('default'), 'Prometheus must reach kite-relay');
    for (const s of [services.prometheus, services.grafana]) {
      for (const v of s.volumes ?? []) {
        if (v.startsWith('.')) assert.ok(existsSync(resolve(root, 'docker', v.split(':')[0])), v);
      }
    }
    const mounts = services.prometheus.volumes?.map((v) => v.split(':')[1]) ?? [];
    assert.ok(
      mounts.includes('/etc/prometheus/prometheus.yml') && mounts.includes('/etc/prometheus/alerts.yml'),
    );
  });

  it('Prometheus sends METRICS_TOKEN: the compose secret metrics_token, a git-ignored file, is what its scrape job reads', () => {
    const compose = parse(read('docker/docker-compose.prod.yml')) as {
      services: Record<string, Service & { secrets?: string[] }>;
      secrets: Record<string, { file: string }>;
    };
    assert.deepEqual(compose.services.prometheus.secrets, ['metrics_token']);
    assert.equal(compose.secrets.metrics_token.file, '../metrics-token');
    assert.ok(read('.gitignore').split('\n').includes('metrics-token'), 'the token file is never committed');
    const job = (
      parse(read('deploy/prometheus/prometheus.yml')) as {
        scrape_configs: { job_name: string; authorization?: { type: string; credentials_file: string } }[];
      }
    ).scrape_configs.find((j) => j.job_name === 'kite-relay');
    assert.deepEqual(job?.authorization, { type: 'Bearer', credentials_file: '/run/secrets/metrics_token' });
    assert.match(read('.env.production.example'), /^METRICS_TOKEN=$/m);
  });

  it('`docker-compose config` accepts the file with the monitoring profile', { skip: noCompose }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-monitoring-'));
    try {
      for (const d of ['docker', 'deploy']) cpSync(join(root, d), join(dir, d), { recursive: true });
      cpSync(join(root, '.env.production.example'), join(dir, '.env.production'));
      const file = join(dir, 'docker', 'docker-compose.prod.yml');
      const r = spawnSync('docker-compose', ['-f', file, '--profile', 'monitoring', 'config'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', REDIS_PASSWORD: 'compose-test-password-0123456789ab' },
      });
      assert.equal(r.status, 0, r.stderr);
      const services = (parse(r.stdout) as { services: Record<string, unknown> }).services;
      assert.deepEqual(Object.keys(services).sort(), ['grafana', 'kite-relay', 'prometheus', 'redis']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Kubernetes: kustomize base', { skip: noKubectl }, () => {
  type Obj = {
    kind: string;
    metadata: { name: string; labels?: Record<string, string> };
    spec: any;
    data?: any;
  };
  let rendered: Obj[] | undefined;
  const objects = (): Obj[] => {
    if (!rendered) {
      const r = run('kubectl', ['kustomize', 'deploy/kubernetes']);
      assert.equal(r.status, 0, r.stderr);
      rendered = parseAllDocuments(r.stdout).map((d) => d.toJSON() as Obj);
    }
    return rendered;
  };
  /** The object of that kind and name; generated ConfigMaps and Secrets carry a content hash suffix. */
  const one = (kind: string, name: string) => {
    const named = (n: string) => n === name || new RegExp(`^${name}-[a-z0-9]{10}$`).test(n);
    const o = objects().find((x) => x.kind === kind && named(x.metadata.name));
    assert.ok(o, `${kind} ${name}`);
    return o;
  };
  const deployment = () => one('Deployment', 'kite-relay');
  const container = () => deployment().spec.template.spec.containers[0];
  const config = () => one('ConfigMap', 'kite-relay-config').data as Record<string, string>;
  const secret = () =>
    Object.fromEntries(
      Object.entries(one('Secret', 'kite-relay-secrets').data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString(),
      ]),
    );

  it('sets exactly the variables of the config schema (CONFIG_KEYS), secrets from the Secret, NODE_ID from the pod name', () => {
    const c = container();
    const fromEnv = (c.env as { name: string; valueFrom?: any }[]).map((e) => e.name);
    const names = [...Object.keys(config()), ...Object.keys(secret()), ...fromEnv];
    assert.equal(new Set(names).size, names.length, 'a variable is set twice');
    const expected = [...CONFIG_KEYS].sort();
    const extra = names.filter((k) => !expected.includes(k as never));
    const absent = expected.filter((k) => !names.includes(k));
    assert.deepEqual(
      { extra, absent },
      { extra: [], absent: [] },
      'the kustomize env differs from CONFIG_KEYS',
    );
    const nodeId = (c.env as { name: string; valueFrom?: any }[]).find((e) => e.name === 'NODE_ID');
    assert.equal(nodeId?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    const secretKeys = Object.keys(secret());
    for (const k of [...SECRET_KEYS, 'KITE_API_KEY', 'SESSION_ENCRYPTION_KEY']) {
      assert.ok(secretKeys.includes(k), `${k} belongs in the Secret`);
    }
    for (const k of ['KITE_API_KEY', 'KITE_API_SECRET', 'JWT_SECRET', 'SESSION_ENCRYPTION_KEY']) {
      assert.ok(isPlaceholder(secret()[k]), `${k} in secret.env must be an obvious placeholder`);
    }
    const refs = (c.envFrom as { configMapRef?: { name: string }; secretRef?: { name: string } }[]).map(
      (r) => r.configMapRef?.name ?? r.secretRef?.name,
    );
    assert.deepEqual(refs, [
      one('ConfigMap', 'kite-relay-config').metadata.name,
      one('Secret', 'kite-relay-secrets').metadata.name,
    ]);
  });

  it('probes hit the app health routes on its ports; the metrics port is METRICS_PORT and annotated', () => {
    const c = container();
    const ports = Object.fromEntries(
      (c.ports as { name: string; containerPort: number }[]).map((p) => [p.name, p.containerPort]),
    );
    assert.deepEqual(ports, { http: Number(config().PORT), metrics: Number(config().METRICS_PORT) });
    assert.deepEqual(ports, { http: 3000, metrics: 9464 });
    const controller = read('src/health/health.controller.ts');
    const base = /@Controller\('([\w/]+)'\)/.exec(controller)![1];
    const routes = [...controller.matchAll(/@Get\((?:'([\w/]*)')?\)/g)].map(
      (m) => `/${base}${m[1] ? `/${m[1]}` : ''}`,
    );
    for (const [probe, path] of [
      ['livenessProbe', '/health/live'],
      ['readinessProbe', '/health/ready'],
      ['startupProbe', '/health/live'],
    ]) {
      assert.equal(c[probe]?.httpGet?.path, path, probe);
      assert.ok(routes.includes(path), `${path} is not a route of the app (${routes.join(', ')})`);
      assert.equal(c[probe].httpGet.port, 'http', probe);
    }
    const annotations = deployment().spec.template.metadata.annotations as Record<string, string>;
    assert.equal(annotations['prometheus.io/port'], String(ports.metrics));
    assert.equal(annotations['prometheus.io/scrape'], 'true');
    const svc = one('Service', 'kite-relay').spec;
    assert.deepEqual(
      svc.ports.map((p: { targetPort: string }) => p.targetPort),
      ['http', 'metrics'],
    );
    assert.deepEqual(svc.selector, deployment().spec.selector.matchLabels);
  });

  it('runs as the node user, unprivileged, on a read-only root with emptyDirs for /tmp and DATA_DIR', () => {
    const pod = deployment().spec.template.spec;
    const c = container();
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 1000);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    const volumes = new Map((pod.volumes as { name: string; emptyDir?: object }[]).map((v) => [v.name, v]));
    const mounts = (c.volumeMounts as { name: string; mountPath: string }[]).filter(
      (m) => volumes.get(m.name)?.emptyDir,
    );
    assert.deepEqual(mounts.map((m) => m.mountPath).sort(), ['/tmp', config().DATA_DIR].sort());
    assert.deepEqual(c.resources, {
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { memory: '512Mi' },
    });
    assert.equal(deployment().spec.replicas, 2);
  });

  it('the preStop sleep, the drain and the exit fit in terminationGracePeriodSeconds; a PDB keeps one pod', () => {
    const pod = deployment().spec.template.spec;
    const [cmd, seconds] = container().lifecycle.preStop.exec.command as string[];
    assert.equal(cmd, 'sleep');
    assert.ok(DRAIN_MS / 1000 < EXIT_BOUND_S);
    assert.ok(
      Number(seconds) + EXIT_BOUND_S <= pod.terminationGracePeriodSeconds,
      'SIGKILL could cut the exit',
    );
    const pdb = one('PodDisruptionBudget', 'kite-relay').spec;
    assert.equal(pdb.minAvailable, 1);
    assert.deepEqual(pdb.selector.matchLabels, deployment().spec.selector.matchLabels);
  });

  it('Redis is a StatefulSet of redis:7 with an append-only file, reached through the Service named in REDIS_URL', () => {
    const sts = one('StatefulSet', 'kite-relay-redis').spec;
    const c = sts.template.spec.containers[0];
    assert.match(c.image, /^redis:7/);
    assert.match((c.args as string[]).join(' '), /--appendonly yes/);
    assert.equal(sts.volumeClaimTemplates.length, 1);
    const host = new URL(secret().REDIS_URL).hostname;
    assert.deepEqual(one('Service', host).spec.selector, sts.selector.matchLabels);
  });

  it("Redis requires the password of its own Secret (kite-relay-redis); the app's REDIS_URL carries one; both are placeholders", () => {
    const redis = one('StatefulSet', 'kite-relay-redis').spec.template.spec.containers[0];
    const args = redis.args as string[];
    assert.equal(args[args.indexOf('--requirepass') + 1], '$(REDIS_PASSWORD)');
    const redisSecret = one('Secret', 'kite-relay-redis');
    const env = new Map((redis.env as { name: string; valueFrom: any }[]).map((e) => [e.name, e.valueFrom]));
    for (const name of ['REDIS_PASSWORD', 'REDISCLI_AUTH']) {
      assert.deepEqual(
        env.get(name)?.secretKeyRef,
        { name: redisSecret.metadata.name, key: 'REDIS_PASSWORD' },
        name,
      );
    }
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      assert.deepEqual(redis[probe].exec.command, ['sh', '-c', 'redis-cli ping | grep -q PONG'], probe);
    }
    const password = Buffer.from(String(redisSecret.data?.REDIS_PASSWORD), 'base64').toString();
    assert.ok(isPlaceholder(password), 'redis.env holds a placeholder');
    const url = new URL(secret().REDIS_URL);
    assert.equal(url.password, password, 'the two templates agree');
    const env2 = container().envFrom as { secretRef?: { name: string } }[];
    assert.ok(
      !env2.some((r) => r.secretRef?.name === redisSecret.metadata.name),
      "the app does not load Redis' own Secret",
    );
  });

  it("the Kubernetes scrape job keeps exactly these pods' metrics port", () => {
    type Relabel = { source_labels: string[]; regex: string; action?: string };
    type Job = { job_name: string; relabel_configs: Relabel[] };
    const job = (parse(read('deploy/prometheus/prometheus.kubernetes.yml')) as { scrape_configs: Job[] })
      .scrape_configs[0];
    assert.equal(job.job_name, 'kite-relay');
    const keep = new Map(
      job.relabel_configs.filter((r) => r.action === 'keep').map((r) => [r.source_labels[0], r.regex]),
    );
    const labels = deployment().spec.template.metadata.labels as Record<string, string>;
    assert.equal(
      keep.get('__meta_kubernetes_pod_label_app_kubernetes_io_name'),
      labels['app.kubernetes.io/name'],
    );
    assert.equal(keep.get('__meta_kubernetes_pod_container_port_name'), 'metrics');
  });
});
