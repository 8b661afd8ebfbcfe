import type { RequestHandler } from 'express';
import { UnauthorizedError, type AppCheckVerifier } from '@visionq/core';
import type { Metrics } from '../metrics.js';

export const APP_CHECK_MODES = ['off', 'optional', 'required'] as const;
export type AppCheckMode = (typeof APP_CHECK_MODES)[number];

export const APP_CHECK_HEADER = 'X-Firebase-AppCheck';

/**
 * Firebase App Check on the routes it guards, after the user's token: `required` refuses a request without a
 * valid `X-Firebase-AppCheck` token, so that only genuine copies of the app can upload; `optional` checks one
 * when sent (a rollout, while old app versions still send none). Refusals are the same 401 as a bad ID token.
 */
export function requireAppCheck(
  mode: Exclude<AppCheckMode, 'off'>,
  verifier: AppCheckVerifier,
  metrics: Metrics,
): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = req.get(APP_CHECK_HEADER);
      if (token === undefined || token === '') {
        if (mode === 'required') throw new UnauthorizedError('missing', 'unauthorized: no App Check token');
        return next();
      }
      res.locals.appId = (await verifier.verify(token)).appId;
      next();
    } catch (error) {
      if (error instanceof UnauthorizedError)
        metrics.authFailures.inc({ reason: `app_check_${error.reason}` });
      next(error);
    }
  };
}
