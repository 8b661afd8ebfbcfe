import { Router, static as serveStatic } from 'express';
import type { AppDeps } from '../app.js';

/**
 * The try-it page at `/`: static files from `publicDir`, no build step. In local auth mode it can fetch a token
 * to fill in (`/try/token`); in Firebase mode it asks the person for one.
 */
export function tryPageRoutes(deps: AppDeps, publicDir: string): Router {
  const router = Router();
  router.get('/try/config.json', (_req, res) => {
    const token = deps.settings.tryPageToken?.();
    res.setHeader('Cache-Control', 'no-store');
    res.json(token ? { authMode: 'local', token } : { authMode: 'firebase' });
  });
  router.use(serveStatic(publicDir, { index: 'index.html', maxAge: 0 }));
  return router;
}
