import SwaggerParser from '@apidevtools/swagger-parser';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard } from '@nestjs/throttler';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { JwtAuthGuard, ROLE_KEY } from '../../src/auth/jwt-auth.guard.js';
import { DOCS_JSON_PATH, DOCS_PATH } from '../../src/http/api-docs/api-docs-page.js';
import { KiteAuthGuard } from '../../src/kite-compat/kite-auth.guard.js';
import { KiteRefusedController } from '../../src/kite-compat/kite-refused.controller.js';
import {
  controllerRoutes,
  opKey,
  readmeHttpRows,
  routerRoutes,
  SchemaCheck,
  type ControllerRoute,
} from '../helpers/openapi.js';
import { TEST_JWT_SECRET, TEST_SESSION_KEY, TestApp } from '../helpers/test-app.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts');
const TOKEN_ID = 'A'.repeat(22);

type Doc = Record<string, any>;
type Answer = Awaited<ReturnType<TestApp['http']>>;

const isDocsRoute = (key: string) => {
  const path = key.split(' ')[1];
  return path === DOCS_JSON_PATH || path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`);
};
const operation = (doc: Doc, key: string) => {
  const [method, path] = key.split(' ');
  return doc.paths[path]?.[method.toLowerCase()] as Doc | undefined;
};
const documentedOps = (doc: Doc) =>
  Object.entries(doc.paths as Doc)
    .flatMap(([path, item]) => Object.keys(item as Doc).map((m) => opKey(m, path)))
    .sort();
const guardedBy = (r: ControllerRoute, guard: unknown) =>
  r.guards.some((g) => g === guard || (typeof g === 'function' && g.prototype instanceof (guard as never)));
const concretePath = (key: string) => key.split(' ')[1].replace(/\{\w+\}/g, TOKEN_ID);

/** A /kite operation: Kite's credential (or none, for the refusals) and Kite's error envelope. */
function kiteOperation(doc: Doc, r: ControllerRoute, op: Doc): void {
  const refused = r.controller === KiteRefusedController;
  assert.equal(op['x-role'], refused ? 'public' : 'viewer', r.key);
  assert.deepEqual(op.security, refused ? undefined : [{ kite: [] }], r.key);
  assert.equal(op.responses['401'], undefined, `${r.key}: Kite answers 403, never 401`);
  const errors = Object.entries(op.responses as Doc).filter(([status]) => Number(status) >= 400);
  assert.ok(
    errors.some(([status]) => status === '403'),
    r.key,
  );
  for (const [status, res] of errors) {
    const ref = res.content?.['application/json']?.schema?.$ref as string;
    assert.equal(ref, '#/components/schemas/KiteErrorDto', `${r.key} ${status}`);
  }
  if (!refused) assert.ok(op.responses['200'], `${r.key} documents its success`);
  assert.ok(doc.components.securitySchemes.kite, 'the kite scheme');
}

describe('API description: /api/docs-json and /api/docs', () => {
  let t: TestApp;
  let doc: Doc;
  let strict: SchemaCheck;

  /** Asserts that an answer's status is documented for `key` and its body matches that schema. */
  const conforms = (key: string, a: Answer) => {
    const op = operation(doc, key);
    assert.ok(op, `${key} is not in the document`);
    const response = op.responses[String(a.status)];
    assert.ok(response, `${key} answered ${a.status}, which the document does not list: ${a.text}`);
    const type = (a.headers.get('content-type') ?? '').split(';')[0];
    const schema = response.content?.[type]?.schema;
    // A redirect's body is Express's courtesy text; the Location header is the answer.
    const redirect = a.status >= 300 && a.status < 400;
    assert.ok(schema || redirect || a.text === '', `${key} ${a.status}: no ${type} content documented`);
    if (type === 'application/json') {
      assert.deepEqual(strict.errors(schema, a.body), [], `${key} ${a.status}`);
    }
    for (const name of Object.keys(response.headers ?? {})) {
      assert.ok(a.headers.has(name), `${key} ${a.status} lacks the documented ${name} header`);
    }
  };

  before(async () => {
    t = await TestApp.start({ redis: false });
    const res = await t.http(DOCS_JSON_PATH);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = res.body;
    strict = new SchemaCheck(doc, true);
  });
  after(async () => {
    await t?.close();
  });

  it('lists every route the app maps, with the same method and path, and no other', () => {
    const mapped = routerRoutes(t.app).filter((k) => !isDocsRoute(k));
    // The router's endpoints are exactly the controllers' routes: nothing is mapped outside Nest.
    assert.deepEqual(
      mapped,
      controllerRoutes(t.app).map((r) => r.key),
    );
    assert.ok(mapped.length >= 18, `only ${mapped.length} routes found`);
    assert.ok(mapped.includes('DELETE /api/admin/tokens/{id}'), 'path params as {id}');
    assert.deepEqual(documentedOps(doc), mapped);
  });

  it('is a valid OpenAPI 3 document (swagger-parser), with both credentials and no secret in it', async () => {
    assert.match(doc.openapi, /^3\.1\./);
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    assert.equal(api.info.title, 'kite-relay');
    const schemes = doc.components.securitySchemes;
    assert.deepEqual(schemes.bearer, {
      ...schemes.bearer,
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    assert.deepEqual(schemes.cookie, { ...schemes.cookie, type: 'apiKey', in: 'cookie', name: 'kr_session' });
    const text = JSON.stringify(doc);
    for (const secret of [TEST_JWT_SECRET, TEST_SESSION_KEY, t.sim.apiSecret, t.sim.apiKey]) {
      assert.equal(text.includes(secret), false, 'the document carries no configured value');
    }
  });

  it('each operation names the role it is guarded with; guarded ones take either credential and list 401 and 403; throttled ones 429 with Retry-After', () => {
    const reflector = new Reflector();
    for (const r of controllerRoutes(t.app)) {
      const op = operation(doc, r.key)!;
      if (guardedBy(r, KiteAuthGuard) || r.controller === KiteRefusedController) {
        kiteOperation(doc, r, op);
        continue;
      }
      const guarded = guardedBy(r, JwtAuthGuard);
      const role = guarded
        ? (reflector.getAllAndOverride<string>(ROLE_KEY, [r.handler, r.controller]) ?? 'viewer')
        : 'public';
      assert.equal(op['x-role'], role, r.key);
      assert.match(op.description, guarded ? new RegExp(`^Role: ${role}\\b`) : /^Public:/, r.key);
      if (guarded) {
        assert.deepEqual(op.security, [{ bearer: [] }, { cookie: [] }], r.key);
        for (const status of ['401', '403']) {
          const ref = op.responses[status]?.content?.['application/json']?.schema?.$ref;
          assert.equal(ref, '#/components/schemas/ErrorBody', `${r.key} ${status}`);
        }
      } else {
        assert.equal(op.security, undefined, r.key);
        assert.equal(op.responses['401'], undefined, r.key);
      }
      if (guardedBy(r, ThrottlerGuard)) {
        assert.deepEqual(op.responses['429']?.headers?.['Retry-After']?.schema, {
          type: 'integer',
          minimum: 1,
        });
      }
      const success = Object.keys(op.responses).filter((s) => /^[23]/.test(s));
      assert.ok(success.length > 0, `${r.key} documents its success`);
      for (const [status, res] of Object.entries(op.responses as Doc)) {
        const ref = res.content?.['application/json']?.schema?.$ref as string | undefined;
        if (Number(status) >= 400 && ref) {
          // Every error answer is the gateway's error body (some add fields, e.g. an invite's reason).
          const props = doc.components.schemas[ref.split('/').pop()!].properties as Doc;
          for (const field of ['statusCode', 'message']) {
            assert.ok(props[field], `${r.key} ${status}: ${field}`);
          }
          assert.ok(props.error, `${r.key} ${status}: error`);
        }
      }
    }
  });

  it('the app enforces what it documents: 401 without a credential, 403 for a viewer on admin routes', async () => {
    const viewer = t.token('viewer');
    for (const key of documentedOps(doc)) {
      const role = operation(doc, key)!['x-role'] as string;
      if (role === 'public') continue;
      const method = key.split(' ')[0];
      if (key.startsWith('GET /kite/')) {
        // Kite's credential: a missing one is Kite's 403 TokenException, as documented.
        const anonymous = await t.http(concretePath(key));
        assert.equal(anonymous.status, 403, key);
        conforms(key, anonymous);
        assert.deepEqual(
          anonymous.body,
          operation(doc, key)!.responses[403].content['application/json'].example,
        );
        continue;
      }
      const body = method === 'POST' ? '{}' : undefined;
      const example = (status: number) =>
        operation(doc, key)!.responses[status].content['application/json'].example as Doc;
      const anonymous = await t.http(concretePath(key), { method, body });
      assert.equal(anonymous.status, 401, key);
      conforms(key, anonymous);
      assert.deepEqual(anonymous.body, example(401), 'the documented example is the real answer');
      if (role !== 'admin') continue;
      const forbidden = await t.http(concretePath(key), { method, body, token: viewer });
      assert.equal(forbidden.status, 403, key);
      conforms(key, forbidden);
      assert.deepEqual(forbidden.body, example(403));
    }
  });

  it('real answers match their documented schemas, field for field (the docs examples among them)', async () => {
    const cookie = await t.login();
    const admin = t.token('admin');
    const viewer = t.token('viewer');
    const check = async (key: string, path: string, init: Parameters<TestApp['http']>[1] = {}) => {
      const a = await t.http(path, { method: key.split(' ')[0], ...init });
      conforms(key, a);
      return a;
    };
    const quotes = await check('GET /api/quotes', '/api/quotes?i=NSE:INFY&i=408065', { token: viewer });
    assert.equal(quotes.status, 200, quotes.text);
    assert.deepEqual(Object.keys(quotes.body.data).sort(), ['408065', 'NSE:INFY']);
    assert.equal((await check('GET /api/quotes', '/api/quotes', { token: viewer })).status, 400);
    const search = await check('GET /api/instruments', '/api/instruments?q=INF', { token: viewer });
    assert.ok(search.body.data.length > 0);
    const candles = await check('GET /api/candles', '/api/candles?i=NSE:INFY&interval=5m', { token: viewer });
    assert.equal(candles.status, 200, candles.text);
    assert.equal(
      (await check('GET /api/market/status', '/api/market/status', { token: viewer })).status,
      200,
    );
    assert.equal((await check('GET /api/auth/status', '/api/auth/status')).body.user_id, undefined);
    assert.ok(
      (await check('GET /api/auth/status', '/api/auth/status', { headers: { cookie } })).body.user_id,
    );

    const minted = await check('POST /api/admin/tokens', '/api/admin/tokens', {
      token: admin,
      body: JSON.stringify({ role: 'viewer', ttl: '30m' }),
    });
    assert.equal(minted.status, 201, minted.text);
    const list = await check('GET /api/admin/tokens', '/api/admin/tokens', { headers: { cookie } });
    assert.ok(list.body.tokens.some((x: { id: string }) => x.id === minted.body.id));
    const socket = t.client({ token: minted.body.token });
    await t.connected(socket);
    const clients = await check('GET /api/admin/clients', '/api/admin/clients', { token: admin });
    assert.equal(clients.body.total, 1);
    const revoke = `/api/admin/tokens/${minted.body.id}`;
    assert.equal((await check('DELETE /api/admin/tokens/{id}', revoke, { token: admin })).status, 200);
    assert.equal((await check('DELETE /api/admin/tokens/{id}', revoke, { token: admin })).status, 404);
    const kick = await check('DELETE /api/admin/clients', '/api/admin/clients?user=nobody', { token: admin });
    assert.deepEqual(kick.body, { user: 'nobody' });
    const install = '/api/admin/session';
    const bad = await check('POST /api/admin/session', install, { token: admin, body: '{}' });
    assert.equal(bad.status, 400);
    const form = { token: admin, body: 'access_token=x', headers: { 'content-type': 'text/plain' } };
    assert.equal((await check('POST /api/admin/session', install, form)).status, 415);

    for (const path of ['/health', '/health/live', '/health/ready']) {
      assert.equal((await check(`GET ${path}`, path)).status, 200);
    }
    assert.match((await check('GET /metrics', '/metrics')).text, /^# HELP kite_relay_/m);
    assert.equal((await check('GET /api/auth/kite/login', '/api/auth/kite/login')).status, 302);
    assert.equal((await check('GET /api/auth/kite/callback', '/api/auth/kite/callback')).status, 400);
  });

  it("the docs' HTTP rows are operations of the document, and their query and body examples fit its schemas", () => {
    const rows = readmeHttpRows();
    assert.ok(rows.length >= 10, `docs/http-api.md rows found: ${rows.length}`);
    const loose = new SchemaCheck(doc, false);
    for (const row of rows) {
      const key = opKey(row.method, row.path);
      if (isDocsRoute(key)) continue;
      const op = operation(doc, key);
      assert.ok(op, `docs/http-api.md shows ${key}, which the document lacks`);
      for (const name of new Set(row.query.keys())) {
        const param: Doc | undefined = (op.parameters as Doc[]).find(
          (p) => p.in === 'query' && p.name === name,
        );
        assert.ok(param, `${key}: docs/http-api.md's ?${name}= is not a documented parameter`);
        const values = row.query.getAll(name);
        const value: unknown = param.schema.type === 'array' ? values : values[0];
        assert.deepEqual(loose.errors(param.schema, value), [], `${key} ?${name}=`);
      }
      if (!row.body) continue;
      const schema = op.requestBody?.content?.['application/json']?.schema as Doc;
      const refs = (schema.oneOf ?? [schema]) as Doc[];
      const names = refs.flatMap((s) =>
        Object.keys(doc.components.schemas[String(s.$ref).split('/').pop()!].properties as Doc),
      );
      for (const field of row.body.map((f) => f.replace(/\?$/, ''))) {
        assert.ok(names.includes(field), `${key}: docs/http-api.md's {${field}} is not documented`);
      }
    }
  });

  it('every example in the document matches the schema it illustrates', () => {
    const loose = new SchemaCheck(doc, false);
    let checked = 0;
    const visit = (node: unknown, where: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Doc;
      if (n.example !== undefined && (n.type || n.$ref || n.oneOf)) {
        const { example, ...schema } = n;
        assert.deepEqual(loose.errors(schema, example), [], where);
        checked++;
      }
      // A media type's example beside its schema (the error answers' messages).
      if (n.example !== undefined && n.schema) {
        assert.deepEqual(loose.errors(n.schema, n.example), [], where);
        checked++;
      }
      for (const [k, v] of Object.entries(n)) if (k !== 'example') visit(v, `${where}/${k}`);
    };
    visit(doc.paths, '#/paths');
    visit(doc.components.schemas, '#/components/schemas');
    assert.ok(checked >= 60, `only ${checked} examples checked`);
  });
});

describe('API description: the 429s as documented', () => {
  it('a viewer route past API_RATE_LIMIT_PER_MINUTE and the login past 30 a minute answer the documented body and Retry-After', async () => {
    const t = await TestApp.start({ redis: false, env: { API_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const doc = (await t.http(DOCS_JSON_PATH)).body as Doc;
      const check = new SchemaCheck(doc, true);
      const token = t.token('viewer');
      const codes = [];
      let last!: Answer;
      for (let i = 0; i < 3; i++) {
        last = await t.http('/api/market/status', { token });
        codes.push(last.status);
      }
      assert.deepEqual(codes, [200, 200, 429]);
      const viewer429 = doc.paths['/api/market/status'].get.responses['429'];
      assert.deepEqual(check.errors(viewer429.content['application/json'].schema, last.body), []);
      assert.ok(Number(last.headers.get('retry-after')) >= 1);
      for (let i = 0; i < 31; i++) last = await t.http('/api/auth/kite/login');
      assert.equal(last.status, 429);
      const login429 = doc.paths['/api/auth/kite/login'].get.responses['429'];
      assert.deepEqual(check.errors(login429.content['application/json'].schema, last.body), []);
      assert.ok(Number(last.headers.get('retry-after')) >= 1);
    } finally {
      await t.close();
    }
  });

  it('over https the cookie scheme names the __Host- cookie the app reads', async () => {
    const t = await TestApp.start({ redis: false, env: { PUBLIC_URL: 'https://localhost:8443' } });
    try {
      const doc = (await t.http(DOCS_JSON_PATH)).body as Doc;
      assert.equal(doc.components.securitySchemes.cookie.name, '__Host-kr_session');
    } finally {
      await t.close();
    }
  });
});

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;

describe('API description: Swagger UI in a real browser (Debian chromium)', { skip }, () => {
  it('renders every operation under the same strict CSP as the dashboard, with no violation', async () => {
    const t = await TestApp.start({ redis: false });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const violations: string[] = [];
      const errors: string[] = [];
      const foreign: string[] = [];
      await page.addInitScript(() =>
        document.addEventListener('securitypolicyviolation', (e) =>
          console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
        ),
      );
      page.on('console', (m) => {
        if (m.type() === 'error' && /CSP violation|Content Security Policy|Refused to/.test(m.text())) {
          violations.push(m.text());
        }
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith(t.url) && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      const res = await page.goto(`${t.url}${DOCS_PATH}`);
      assert.equal(res?.status(), 200);
      const doc = (await t.http(DOCS_JSON_PATH)).body as Doc;
      const ops = documentedOps(doc);
      await page
        .locator('.opblock')
        .nth(ops.length - 1)
        .waitFor({ timeout: 15_000 });
      const shown = await page
        .locator('.opblock')
        .evaluateAll((els) =>
          els.map(
            (el) =>
              `${el.querySelector('.opblock-summary-method')?.textContent} ${el.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
          ),
        );
      assert.deepEqual([...new Set(shown)].sort(), ops);
      // One operation opened: its role and its 401/403 answers are on the page.
      await page.locator('#operations-admin-Admin_mint .opblock-summary').click();
      const opened = page.locator('#operations-admin-Admin_mint');
      await opened.locator('.responses-table').waitFor();
      const text = await opened.innerText();
      assert.match(text, /Role: admin/);
      assert.match(text, /\b401\b[\s\S]*\b403\b[\s\S]*\b429\b/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'api-docs.png') });
      await opened.screenshot({ path: join(ARTIFACTS, 'api-docs-operation.png') });

      assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script');
      const policy = res?.headers()['content-security-policy'];
      assert.equal(policy, (await t.http('/')).headers.get('content-security-policy'), 'the strict CSP');
      assert.match(policy ?? '', /script-src 'self';/);
      assert.deepEqual(violations, [], 'Swagger UI runs under the CSP');
      assert.deepEqual(errors, []);
      assert.deepEqual(foreign, [], 'nothing is fetched from another origin');
    } finally {
      await browser.close();
      await t.close();
    }
  });
});
