import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router, type Response } from 'express';
import helmet from 'helmet';

const redocDir = join(dirname(createRequire(import.meta.url).resolve('redoc/package.json')), 'bundles');

/**
 * The API reference at `/docs`: Redoc's standalone bundle, from the installed `redoc` package, rendering
 * `/openapi.json`. Nothing is loaded from elsewhere. Redoc styles itself with styled-components, which writes
 * `<style>` elements at run time, and runs its search index in a Web Worker made from a `blob:` URL: so these
 * pages, and only these, allow inline styles and blob workers. Scripts stay `'self'` only.
 */
export function docsRoutes(pageDir: string): Router {
  // Read once on first use and kept: no file-system call per request after that.
  const files = {
    '/docs': { path: join(pageDir, 'index.html'), type: 'html' },
    '/docs/init.js': { path: join(pageDir, 'init.js'), type: 'js' },
    '/docs/redoc.standalone.js': { path: join(redocDir, 'redoc.standalone.js'), type: 'js' },
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
