import { relative } from 'node:path';
import { Router, static as serveStatic, type Response } from 'express';
import { repoPath } from '../paths.js';
import type { ApiDeps } from '../deps.js';

/**
 * The try-it page at `/`: static files, no build step. In local auth mode it can fetch a token to fill in
 * (`/try/token`); in Firebase mode it asks the person for one.
 */
export function tryPageRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/try/config.json', (_req, res) => {
    const token = deps.settings.tryPageToken?.();
    res.setHeader('Cache-Control', 'no-store');
    res.json(token ? { authMode: 'local', token } : { authMode: 'firebase' });
  });
  const root = repoPath('apps/api/public');
  router.use(
    serveStatic(root, {
      index: 'index.html',
      maxAge: 0,
      // A static file has no express route: name it for the metrics by the file served (a fixed, small set).
      setHeaders: (res, path) => {
        const file = relative(root, path);
        (res as Response).locals.route = file === 'index.html' ? '/' : `/${file}`;
      },
    }),
  );
  return router;
}
