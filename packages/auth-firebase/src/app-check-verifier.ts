import type { Agent } from 'node:http';
import {
  UnauthorizedError,
  UnavailableError,
  type AppCheckVerifier,
  type VerifiedAppCheck,
  type VisionqError,
} from '@visionq/core';
import type { App } from 'firebase-admin/app';
import { getAppCheck } from 'firebase-admin/app-check';
import { borrowApp, createOwnedApp } from './app.js';
import { closedError, requireProjectId } from './options.js';

export interface FirebaseAppCheckVerifierOptions {
  /** Firebase project whose apps' App Check tokens are accepted. Required. */
  projectId: string;
  /** Agent for the request firebase-admin makes (App Check's public keys), e.g. for a proxy. */
  httpAgent?: Agent;
  /** A firebase-admin app to use instead of creating one; `close()` leaves it to its owner. */
  app?: App;
}

/**
 * Verifies Firebase App Check tokens with firebase-admin's `getAppCheck().verifyToken`: RS256 against the keys
 * App Check publishes (fetched through `httpAgent`, cached six hours), audience the project, issuer App Check.
 * A token that is not acceptable is `UnauthorizedError`; keys that cannot be fetched, `UnavailableError`.
 */
export function createFirebaseAppCheckVerifier(options: FirebaseAppCheckVerifierOptions): AppCheckVerifier {
  const projectId = requireProjectId(options.projectId);
  if (options.app && options.httpAgent !== undefined) {
    throw new TypeError('pass either app, or httpAgent for an app of our own, not both');
  }
  const handle = options.app
    ? borrowApp(options.app, projectId)
    : createOwnedApp({ projectId, httpAgent: options.httpAgent });
  const appCheck = getAppCheck(handle.app);
  let closed = false;
  return {
    async verify(token: string): Promise<VerifiedAppCheck> {
      if (closed) throw closedError();
      if (typeof token !== 'string' || token === '') throw new UnauthorizedError('missing');
      try {
        const { appId } = await appCheck.verifyToken(token);
        return { appId };
      } catch (error) {
        throw fromAppCheckError(error);
      }
    },
    async close(): Promise<void> {
      closed = true;
      await handle.close();
    },
  };
}

/** firebase-admin tells App Check failures apart by code, and a failed key fetch only by its message. */
function fromAppCheckError(error: unknown): VisionqError {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message === 'string' && /fetching json web keys/i.test(message))
    return new UnavailableError('App Check public keys could not be fetched', { cause: error });
  if (code === 'app-check/app-check-token-expired')
    return new UnauthorizedError('expired', undefined, { cause: error });
  return new UnauthorizedError('invalid', undefined, { cause: error });
}
