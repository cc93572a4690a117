import { RequestMethod, type INestApplication, type Type } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { METHODS } from 'node:http';
import { docSection } from './docs.js';

/** `GET /api/admin/tokens/{id}`: a route as OpenAPI writes it. */
export const opKey = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replace(/[:*](\w+)/g, '{$1}')}`;

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every endpoint in the Express router after boot, as `METHOD /path`. Left out: Nest's middleware
 * bindings (one route for every HTTP method, e.g. the logger's `forRoutes('*')`).
 */
export function routerRoutes(app: NestExpressApplication): string[] {
  const { stack } = (app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } }).router;
  const out: string[] = [];
  for (const { route } of stack) {
    if (!route) continue;
    const methods = Object.keys(route.methods).filter((m) => route.methods[m]);
    if (METHODS.every((m) => methods.includes(m.toLowerCase()))) continue;
    for (const m of methods) out.push(opKey(m, route.path));
  }
  return out.sort();
}

/** A controller method the app maps, read from Nest's own metadata. */
export interface ControllerRoute {
  key: string;
  controller: Type;
  handler: (...args: unknown[]) => unknown;
  guards: unknown[];
}

const trim = (p: unknown) => (typeof p === 'string' ? p.replace(/^\/+|\/+$/g, '') : '');

/** Every route of every controller registered in the app (Nest's ModulesContainer + MetadataScanner). */
export function controllerRoutes(app: INestApplication): ControllerRoute[] {
  const scanner = new MetadataScanner();
  const out: ControllerRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type;
      const base = trim(Reflect.getMetadata(PATH_METADATA, controller));
      const proto = controller.prototype as Record<string, (...args: unknown[]) => unknown>;
      for (const name of scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        const sub: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (sub === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const path = `/${[base, trim(sub)].filter(Boolean).join('/')}`;
        const guards = [
          ...((Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[]) ?? []),
          ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[]) ?? []),
        ];
        out.push({ key: opKey(method, path), controller, handler, guards });
      }
    }
  }
  // By code point, as routerRoutes sorts (localeCompare would put `{` before letters).
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Marks every object schema closed, so that a field the app sends but the document lacks fails. */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' ? mapValues(v, closed) : closed(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const mapValues = (o: unknown, fn: (v: unknown) => unknown) =>
  Object.fromEntries(Object.entries(o as Record<string, unknown>).map(([k, v]) => [k, fn(v)]));

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** JSON Schema validation of bodies against the document's own schemas (OpenAPI 3.1 = draft 2020-12). */
export class SchemaCheck {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly cache = new Map<string, ValidateFunction>();

  /** `strict`: every documented object is closed (no undocumented field passes). */
  constructor(doc: Record<string, unknown>, strict: boolean) {
    const components = doc.components as Record<string, unknown>;
    this.ajv.addSchema({ components: strict ? closed(components) : components }, 'doc');
  }

  /** The errors of `value` against `schema` (refs are the document's), or [] when it matches. */
  errors(schema: unknown, value: unknown): string[] {
    const text = JSON.stringify(schema);
    let validate = this.cache.get(text);
    if (!validate) {
      const withBase = JSON.parse(text.replaceAll('"#/components/', '"doc#/components/')) as object;
      validate = this.ajv.compile(withBase);
      this.cache.set(text, validate);
    }
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }
}

/** The first cell of each row of the routes table in docs/http-api.md: `METHOD /path?query` and `{body}`. */
export function readmeHttpRows(): {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: string[];
}[] {
  const section = docSection('docs/http-api.md', '## Routes');
  const rows = [];
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const cell = line.split('|')[1];
    for (const m of cell.matchAll(
      /`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)(\?[^`\s]*)?`(?:\s*`\{([^}`]*)\}`)?/g,
    )) {
      const body = m[4]?.split(',').map((s) => s.trim());
      rows.push({ method: m[1], path: m[2], query: new URLSearchParams(m[3] ?? ''), body });
    }
  }
  return rows;
}
