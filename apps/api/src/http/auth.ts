import type { RequestHandler } from 'express';
import { UnauthorizedError, type TokenVerifier } from '@visionq/core';
import type { Metrics } from '../metrics.js';

// Auth schemes are case-insensitive (RFC 9110 §11.1): some clients send `bearer`.
const BEARER = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

/** Verifies the Firebase ID token of every request it guards; the uid lands in `res.locals.uid`. */
export function requireUser(verifier: TokenVerifier, metrics: Metrics): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.get('authorization');
      if (!header) throw new UnauthorizedError('missing');
      const token = BEARER.exec(header)?.[1];
      if (!token) throw new UnauthorizedError('malformed');
      res.locals.uid = (await verifier.verify(token)).uid;
      next();
    } catch (error) {
      if (error instanceof UnauthorizedError) metrics.authFailures.inc({ reason: error.reason });
      next(error);
    }
  };
}
