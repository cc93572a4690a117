import type { Application, Response } from 'express';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the UI and the OpenAPI document are served. */
export const DOCS_PATH = '/api/docs';
export const DOCS_JSON_PATH = '/api/docs-json';

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist the page loads; its demo index.html and initializer are not served. */
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'];

/**
 * The page holds no inline script or style (Nest's own Swagger page has both), so it runs under
 * the gateway's one strict CSP: a page that can act with the admin's session cookie gets no exception.
 */
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>kite-relay API</title>
    <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/init.js"></script>
  </body>
</html>
`;

// validatorUrl null: no badge fetched from another origin; persistAuthorization false: a pasted JWT
// is not kept in localStorage; queryConfigEnabled false: ?url= cannot point the page at another document.
const INIT_JS = `'use strict';
window.addEventListener('load', function () {
  document.body.style.margin = '0';
  window.ui = SwaggerUIBundle({
    url: '${DOCS_JSON_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    showExtensions: true,
    validatorUrl: null,
    persistAuthorization: false,
    queryConfigEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

/** Serves the Swagger UI page, its init script and the listed swagger-ui-dist files (public, like the document). */
export function serveDocsPage(express: Application): void {
  // Express matches /api/docs/ here too (non-strict routing); the page's URLs are absolute either way.
  express.get(DOCS_PATH, (_req, res: Response) =>
    res.type('html').set('Cache-Control', 'no-cache').send(PAGE),
  );
  express.get(`${DOCS_PATH}/init.js`, (_req, res) =>
    res.type('js').set('Cache-Control', 'no-cache').send(INIT_JS),
  );
  for (const name of ASSETS) {
    express.get(`${DOCS_PATH}/${name}`, (_req, res) => res.sendFile(join(SWAGGER_UI_DIR, name)));
  }
}
