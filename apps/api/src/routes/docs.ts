import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import helmet from 'helmet';

/** Where the build puts Redoc's bundle (`tsup.config.ts`): beside the built modules. */
const REDOC_BUNDLE = 'redoc.standalone.js';

/**
 * Redoc's standalone bundle: the copy the build placed beside the built modules, so that a deployed API needs
 * neither the `redoc` package nor its ~70 dependencies (React, styled-components, …, of which it runs none);
 * from the installed package (a devDependency) when running from source.
 */
function redocBundle(): string {
  const built = fileURLToPath(new URL(`./${REDOC_BUNDLE}`, import.meta.url));
  if (existsSync(built)) return built;
  const redoc = dirname(createRequire(import.meta.url).resolve('redoc/package.json'));
  return join(redoc, 'bundles', REDOC_BUNDLE);
}

/**
 * The API reference at `/docs`: Redoc's standalone bundle (`redocBundle`), rendering `/openapi.json`. Nothing
 * is loaded from elsewhere. Redoc styles itself with styled-components, which writes `<style>` elements at run
 * time, and runs its search index in a Web Worker made from a `blob:` URL: so these pages, and only these, allow
 * inline styles and blob workers. Scripts stay `'self'` only.
 */
export function docsRoutes(pageDir: string): Router {
  // Read once on first use and kept: no file-system call per request after that.
  const files = {
    '/docs': { path: join(pageDir, 'index.html'), type: 'html' },
    '/docs/init.js': { path: join(pageDir, 'init.js'), type: 'js' },
    '/docs/redoc.standalone.js': { path: redocBundle(), type: 'js' },
  };
  const cache = new Map<string, Promise<Buffer>>();
  const csp = helmet.contentSecurityPolicy({
    directives: {
      'style-src': ["'self'", "'unsafe-inline'"],
      'worker-src': ["'self'", 'blob:'],
      'font-src': ["'self'", 'data:'],
    },
  });
  const router = Router();
  for (const [route, file] of Object.entries(files)) {
    router.get(route, csp, async (_req, res: Response) => {
      let body = cache.get(route);
      if (!body) {
        body = readFile(file.path);
        cache.set(route, body);
        body.catch(() => cache.delete(route)); // a failed read is tried again by the next request
      }
      res.type(file.type).setHeader('Cache-Control', 'no-cache');
      res.send(await body);
    });
  }
  return router;
}
