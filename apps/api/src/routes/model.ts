import { Router } from 'express';
import { NotFoundError } from '@visionq/core';
import type { AppDeps } from '../app.js';

/** Seconds a client or cache may reuse GET /model's answer before revalidating it (cheaply, by its ETag). */
const MODEL_MAX_AGE_S = 300;

/**
 * GET /model: the served model and the upload that loses nothing for it. Public, like the try-it page that
 * needs it before anyone signs in: it tells nothing that a result does not (labels, name, version).
 */
export function modelRoute({ model }: AppDeps): Router {
  return Router().get('/model', (_req, res) => {
    if (!model) throw new NotFoundError('no model is described here');
    res.setHeader('Cache-Control', `public, max-age=${MODEL_MAX_AGE_S}`);
    // Strong and set first: express answers If-None-Match with 304 from it instead of its own weak one.
    res.setHeader('ETag', model.etag);
    res.json(model.body);
  });
}
