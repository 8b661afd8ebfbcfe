import { Router } from 'express';
import type { AppDeps } from '../app.js';
import { openApiDocument } from '../openapi.js';

/** Liveness, readiness, metrics and the API description: unauthenticated, cheap. */
export function opsRoutes({ queue, store, metrics }: AppDeps): Router {
  const document = openApiDocument();
  return Router()
    .get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    })
    .get('/readyz', async (_req, res) => {
      const checks = await Promise.allSettled([queue.ping(), store.ping()]);
      const [queueCheck, storeCheck] = checks.map((check) =>
        check.status === 'fulfilled' ? 'ok' : 'unavailable',
      );
      const ready = queueCheck === 'ok' && storeCheck === 'ok';
      res
        .status(ready ? 200 : 503)
        .json({ status: ready ? 'ready' : 'not ready', queue: queueCheck, store: storeCheck });
    })
    .get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    })
    .get('/openapi.json', (_req, res) => {
      res.json(document);
    });
}
