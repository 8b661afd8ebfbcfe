import type { AppCheckVerifier } from '@visionq/core';
import { afterAll, beforeAll } from 'vitest';
import { createFirebaseAppCheckVerifier } from '../../src/index.js';
import { GoogleStandIn } from './google-stand-in.js';
import { makeSigningKey, signRs256, type SigningKey } from './keys.js';

/** A project number and app id, as App Check's tokens name them. */
export const APP_CHECK_PROJECT_NUMBER = '123456789012';
export const APP_CHECK_APP_ID = `1:${APP_CHECK_PROJECT_NUMBER}:android:0123456789abcdef`;

/** A key App Check would sign with: publish it in `GoogleStandIn.appCheckKeys`. */
export const makeAppCheckKey = () => makeSigningKey('App Check');

/** An App Check token for `projectId`'s app, signed with `key`, valid for an hour unless `overrides` say else. */
export function appCheckToken(
  key: SigningKey,
  projectId: string,
  overrides: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  return signRs256(
    {
      iss: `https://firebaseappcheck.googleapis.com/${APP_CHECK_PROJECT_NUMBER}`,
      sub: APP_CHECK_APP_ID,
      aud: [`projects/${APP_CHECK_PROJECT_NUMBER}`, `projects/${projectId}`],
      iat: now - 60,
      exp: now + 3600,
      ...overrides,
    },
    key,
  );
}

/**
 * For one test file: a Google stand-in publishing `key` as App Check's, and a verifier for `projectId` that
 * reaches it, started before the tests and closed after them.
 */
export function appCheckStandIn(projectId: string, key: SigningKey) {
  const env = {} as { standIn: GoogleStandIn; verifier: AppCheckVerifier };
  beforeAll(async () => {
    env.standIn = await GoogleStandIn.start();
    env.standIn.appCheckKeys = [key];
    env.verifier = createFirebaseAppCheckVerifier({ projectId, httpAgent: env.standIn.agent });
  });
  afterAll(async () => {
    await env.verifier.close();
    await env.standIn.close();
  });
  return env;
}
