import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_KEYS } from '../../src/config/config-keys.js';
import { docSection } from '../helpers/docs.js';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

interface Compose {
  services: Record<
    string,
    {
      environment?: Record<string, string>;
      healthcheck?: unknown;
      depends_on?: Record<string, { condition: string }>;
      ports?: string[];
      image?: string;
    }
  >;
}

describe('deployment files', () => {
  for (const file of [
    'docker/docker-compose.prod.yml',
    'docker/docker-compose.yml',
    'docker/docker-compose.cluster.yml',
  ]) {
    it(`${file}: every REDIS_URL names a service of the file, never localhost; every service has a healthcheck; the app waits for a healthy Redis`, () => {
      const compose = parse(read(file), { merge: true }) as Compose;
      const names = Object.keys(compose.services);
      for (const [name, svc] of Object.entries(compose.services)) {
        assert.ok(svc.healthcheck, `${name} has no healthcheck`);
        const url = svc.environment?.REDIS_URL;
        if (url) {
          const host = new URL(url).hostname;
          assert.ok(names.includes(host), `${name}: REDIS_URL host ${host} is not a service`);
          assert.ok(!['localhost', '127.0.0.1'].includes(host));
          assert.equal(svc.depends_on?.[host]?.condition, 'service_healthy');
        }
      }
      assert.ok(compose.services.redis.image?.startsWith('redis:7'));
    });
  }

  // Debian packages docker-compose (1.29), whose `config` validates a file without a Docker engine;
  // CI installs it. There is no Dockerfile linter in Debian.
  const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  it(
    '`docker-compose config` accepts both compose files (with the example as .env.production)',
    {
      skip: compose.status === 0 ? false : 'docker-compose is not installed (apt-get install docker-compose)',
    },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'kr-compose-'));
      try {
        mkdirSync(join(dir, 'docker'));
        mkdirSync(join(dir, 'docker', 'nginx'));
        copyFileSync(
          join(root, 'docker', 'nginx', 'cluster.conf'),
          join(dir, 'docker', 'nginx', 'cluster.conf'),
        );
        for (const f of [
          'docker-compose.prod.yml',
          'docker-compose.yml',
          'docker-compose.cluster.yml',
          'Dockerfile',
        ]) {
          copyFileSync(join(root, 'docker', f), join(dir, 'docker', f));
        }
        copyFileSync(join(root, '.env.production.example'), join(dir, '.env.production'));
        for (const f of ['docker-compose.prod.yml', 'docker-compose.yml', 'docker-compose.cluster.yml']) {
          const config = (env: Record<string, string>) =>
            spawnSync('docker-compose', ['-f', join(dir, 'docker', f), 'config', '-q'], {
              encoding: 'utf8',
              env: { PATH: process.env.PATH ?? '', ...env },
            });
          const r = config({ REDIS_PASSWORD: 'compose-test-password-0123456789ab' });
          assert.equal(r.status, 0, `${f}: ${r.stderr}`);
          // Production files refuse to start a Redis without a password; development has a default.
          const without = config({});
          if (f === 'docker-compose.yml') assert.equal(without.status, 0, without.stderr);
          else assert.match(without.stderr, /set REDIS_PASSWORD \(openssl rand -hex 32\)/, f);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('the cluster file: three nodes with their own NODE_ID on one Redis, nginx in front with the websocket upgrade, nothing else published', () => {
    const compose = parse(read('docker/docker-compose.cluster.yml'), { merge: true }) as Compose & {
      services: Record<string, { ports?: string[]; environment?: Record<string, string> }>;
    };
    const nodes = Object.entries(compose.services).filter(([name]) => name.startsWith('kite-relay-'));
    assert.equal(nodes.length, 3);
    assert.deepEqual(
      nodes.map(([, s]) => s.environment?.NODE_ID),
      ['kite-relay-1', 'kite-relay-2', 'kite-relay-3'],
    );
    assert.ok(
      nodes.every(
        ([, s]) => s.environment?.REDIS_URL === 'redis://:${REDIS_PASSWORD}@redis:6379' && !s.ports,
      ),
    );
    const published = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    assert.deepEqual(published, ['127.0.0.1:3000:8080'], 'only nginx, on the host loopback');
    const conf = read('docker/nginx/cluster.conf');
    for (const [name] of nodes) assert.match(conf, new RegExp(`server ${name}:3000`));
    assert.match(conf, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(conf, /proxy_set_header Connection \$connection_upgrade;/);
    assert.match(conf, /proxy_set_header X-Forwarded-For/);
    assert.ok(
      nodes.every(([, s]) => s.environment?.TRUST_PROXY),
      'the nodes believe nginx',
    );
  });

  for (const file of [
    'docker/docker-compose.prod.yml',
    'docker/docker-compose.cluster.yml',
    'docker/docker-compose.yml',
  ]) {
    it(`${file}: Redis requires REDIS_PASSWORD, every REDIS_URL carries it, and the healthcheck authenticates`, () => {
      const compose = parse(read(file), { merge: true }) as {
        services: Record<
          string,
          { command?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] } }
        >;
      };
      const redis = compose.services.redis;
      const pass = /^\$\{REDIS_PASSWORD(:[-?].*)?\}$/;
      const i = redis.command?.indexOf('--requirepass') ?? -1;
      assert.ok(i >= 0, 'requirepass');
      assert.match(redis.command![i + 1], pass);
      assert.match(redis.environment?.REDISCLI_AUTH ?? '', pass);
      assert.deepEqual(
        redis.healthcheck?.test,
        ['CMD-SHELL', 'redis-cli ping | grep -q PONG'],
        'a NOAUTH answer is unhealthy',
      );
      const urls = Object.values(compose.services).flatMap((s) => s.environment?.REDIS_URL ?? []);
      assert.ok(urls.length > 0);
      for (const u of urls) assert.match(u, /^redis:\/\/:\$\{REDIS_PASSWORD(:-[\w-]+)?\}@redis:6379$/);
    });
  }

  it('the production Redis persists (append-only, a volume) and publishes no port', () => {
    const text = read('docker/docker-compose.prod.yml');
    const redis = (
      parse(text) as { services: { redis: { command: string[]; volumes: string[]; ports?: string[] } } }
    ).services.redis;
    assert.ok(redis.command.join(' ').includes('--appendonly yes'));
    assert.ok(redis.volumes.length > 0);
    assert.equal(redis.ports, undefined);
  });

  it('the configuration table of docs/configuration.md lists exactly the schema variables', () => {
    const table = docSection('docs/configuration.md', '## Variables');
    const named = new Set([...table.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]));
    assert.deepEqual(
      [...named].filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k)),
      [],
    );
    assert.deepEqual(
      CONFIG_KEYS.filter((k) => !named.has(k)),
      [],
    );
  });

  it('.env.production.example has exactly the schema variables', () => {
    const keys = read('.env.production.example')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]);
    assert.deepEqual([...keys].sort(), [...CONFIG_KEYS].sort());
  });

  it('booting the built app with the unedited example exits 78 and names each placeholder', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    for (const l of read('.env.production.example').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(l);
      if (m) env[m[1]] = m[2];
    }
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'src', 'main.js')], { env });
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 78);
    for (const k of ['PUBLIC_URL', 'KITE_API_KEY', 'KITE_API_SECRET', 'JWT_SECRET']) {
      assert.match(out, new RegExp(`^- ${k}: .*placeholder`, 'm'), k);
    }
  });

  it('one Node major everywhere: Node 24 LTS in engines, .nvmrc, .node-version, the Dockerfile and this run', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    assert.match(engines, /^>=24\.\d+\.\d+$/);
    assert.equal(read('.nvmrc').trim(), '24');
    assert.equal(read('.node-version').trim(), '24');
    assert.match(read('docker/Dockerfile'), /^ARG NODE_MAJOR=24$/m);
    assert.match(read('.ci/run'), /^NODE_VERSION=24\.\d+\.\d+$/m);
    assert.equal(process.versions.node.split('.')[0], '24', `the tests run on Node ${process.version}`);
  });

  it('the Dockerfile runtime stage runs as a non-root user and its healthcheck path exists in the app', () => {
    const df = read('docker/Dockerfile');
    const runtime = df.slice(df.lastIndexOf('FROM '));
    assert.match(runtime, /^USER (?!root)\w+/m);
    assert.match(runtime, /^ENV NODE_ENV=production/m);
    assert.match(runtime, /^EXPOSE 3000/m);
    assert.match(runtime, /^STOPSIGNAL SIGTERM/m);
    assert.match(df, /^ARG NODE_MAJOR=24$/m, 'Node 24 LTS');
    assert.equal(
      df.match(/^FROM node:\$\{NODE_MAJOR\}-bookworm-slim AS \w+$/gm)?.length,
      2,
      'both stages on NODE_MAJOR',
    );
    const path = /HEALTHCHECK[\s\S]*?(\/health\/\w+)/.exec(runtime)![1];
    assert.ok(read('src/health/health.controller.ts').includes(`@Get('${path.split('/').pop()}')`));
  });
});
