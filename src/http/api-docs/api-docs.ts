import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { Application } from 'express';
import { buildApiDocument } from './api-document.js';
import { DOCS_JSON_PATH, DOCS_PATH, serveDocsPage } from './api-docs-page.js';

/**
 * Serves the OpenAPI document at /api/docs-json and Swagger UI at /api/docs, to anyone: the document
 * holds no secret (the same text is in the source), and every route it lists guards itself.
 * Call before listen, so that the routes precede Nest's 404 handler. `sessionCookie`: the name of
 * the dashboard's session cookie, documented as a security scheme.
 */
export function setupApiDocs(app: NestExpressApplication, sessionCookie: string): void {
  // Built at boot: a decorator that breaks the document fails the start, not the first reader.
  const document = buildApiDocument(app, sessionCookie);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: DOCS_JSON_PATH,
  });
  serveDocsPage(app.getHttpAdapter().getInstance() as Application);
}
