import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { Application } from 'express';
import { AuthCookies } from '../../auth/auth-cookies.js';
import { buildApiDocument } from './api-document.js';
import { DOCS_JSON_PATH, DOCS_PATH, serveDocsPage } from './api-docs-page.js';

/**
 * Serves the OpenAPI document at /api/docs-json and Swagger UI at /api/docs, to anyone: the document
 * holds no secret (the same text is in the source), and every route it lists guards itself.
 * Call before listen, so that the routes precede Nest's 404 handler.
 */
export function setupApiDocs(app: NestExpressApplication): void {
  // Built at boot: a decorator that breaks the document fails the start, not the first reader.
  const document = buildApiDocument(app, app.get(AuthCookies).session);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: DOCS_JSON_PATH,
  });
  serveDocsPage(app.getHttpAdapter().getInstance() as Application);
}
