import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** Where the installed swagger-ui-dist keeps its static files. */
export const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist that the page loads; nothing else of the package is served. */
export const SWAGGER_UI_ASSETS: ReadonlySet<string> = new Set([
  'swagger-ui.css',
  'index.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
]);

/** The Swagger UI page, reading the document from `specUrl`; assets are loaded from `assetsBase`. */
export function swaggerUiPage(specUrl: string, assetsBase: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>ct API</title>
  <link rel="stylesheet" href="${assetsBase}/swagger-ui.css">
  <link rel="stylesheet" href="${assetsBase}/index.css">
  <link rel="icon" type="image/png" href="${assetsBase}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${assetsBase}/swagger-ui-bundle.js"></script>
  <script src="${assetsBase}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: ${JSON.stringify(specUrl)},
      dom_id: '#swagger-ui',
      deepLinking: true,
      persistAuthorization: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    });
  </script>
</body>
</html>
`;
}
