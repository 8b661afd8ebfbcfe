import { UnauthorizedError, UnavailableError } from '@visionq/core';
import { describe, expect, it } from 'vitest';
import { createFirebaseAppCheckVerifier } from '../src/index.js';
import { APP_CHECK_APP_ID, appCheckStandIn, appCheckToken, makeAppCheckKey } from './support/app-check.js';
import { makeSigningKey } from './support/keys.js';

// App Check tokens through firebase-admin's real `verifyToken`, against keys a local stand-in of App Check's
// JWKS endpoint publishes (reached through `httpAgent`, as the ID-token tests reach their Google stand-in).

const PROJECT_ID = 'visionq-test';
const APP_ID = APP_CHECK_APP_ID;
const key = makeAppCheckKey();
const now = () => Math.floor(Date.now() / 1000);
const token = (overrides: Record<string, unknown> = {}, signingKey = key) =>
  appCheckToken(signingKey, PROJECT_ID, overrides);

const env = appCheckStandIn(PROJECT_ID, key);

describe('App Check verifier (firebase-admin)', () => {
  it('accepts a token App Check signed for this project, and names the app', async () => {
    expect(await env.verifier.verify(token())).toEqual({ appId: APP_ID });
    expect(env.standIn.requests.jwks).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['expired', { exp: now() - 60, iat: now() - 3660 }, 'expired'],
    ['for another project', { aud: ['projects/999', 'projects/someone-else'] }, 'invalid'],
    ['from another issuer', { iss: 'https://securetoken.google.com/visionq-test' }, 'invalid'],
    ['without a subject', { sub: '' }, 'invalid'],
  ] as const)('refuses a token %s', async (_name, overrides, reason) => {
    const error = await env.verifier.verify(token(overrides)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).reason).toBe(reason);
  });

  it('refuses a token signed by a key App Check does not publish, garbage, and nothing', async () => {
    const stranger = makeSigningKey('not App Check');
    for (const refused of [token({}, stranger), 'not.a.jwt', 'garbage'])
      await expect(env.verifier.verify(refused)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(env.verifier.verify('')).rejects.toMatchObject({ reason: 'missing' });
  });

  it('keys that cannot be fetched are UnavailableError, not a refusal', async () => {
    const fresh = createFirebaseAppCheckVerifier({ projectId: PROJECT_ID, httpAgent: env.standIn.agent });
    env.standIn.jwksStatus = 500;
    try {
      await expect(fresh.verify(token())).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      env.standIn.jwksStatus = 200;
      await fresh.close();
    }
    await expect(fresh.verify(token())).rejects.toMatchObject({ code: 'unavailable' });
  });
});
