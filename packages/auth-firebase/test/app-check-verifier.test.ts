import { UnauthorizedError, UnavailableError, type AppCheckVerifier } from '@visionq/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirebaseAppCheckVerifier } from '../src/index.js';
import { GoogleStandIn } from './support/google-stand-in.js';
import { makeSigningKey, signRs256 } from './support/keys.js';

// App Check tokens through firebase-admin's real `verifyToken`, against keys a local stand-in of App Check's
// JWKS endpoint publishes (reached through `httpAgent`, as the ID-token tests reach their Google stand-in).

const PROJECT_ID = 'visionq-test';
const PROJECT_NUMBER = '123456789012';
const APP_ID = `1:${PROJECT_NUMBER}:android:0123456789abcdef`;
const key = makeSigningKey('App Check');
const now = () => Math.floor(Date.now() / 1000);

const appCheckToken = (overrides: Record<string, unknown> = {}, signingKey = key) =>
  signRs256(
    {
      iss: `https://firebaseappcheck.googleapis.com/${PROJECT_NUMBER}`,
      sub: APP_ID,
      aud: [`projects/${PROJECT_NUMBER}`, `projects/${PROJECT_ID}`],
      iat: now() - 60,
      exp: now() + 3600,
      ...overrides,
    },
    signingKey,
  );

let standIn: GoogleStandIn;
let verifier: AppCheckVerifier;
beforeAll(async () => {
  standIn = await GoogleStandIn.start();
  standIn.appCheckKeys = [key];
  verifier = createFirebaseAppCheckVerifier({ projectId: PROJECT_ID, httpAgent: standIn.agent });
});
afterAll(async () => {
  await verifier.close();
  await standIn.close();
});

describe('App Check verifier (firebase-admin)', () => {
  it('accepts a token App Check signed for this project, and names the app', async () => {
    expect(await verifier.verify(appCheckToken())).toEqual({ appId: APP_ID });
    expect(standIn.requests.jwks).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['expired', { exp: now() - 60, iat: now() - 3660 }, 'expired'],
    ['for another project', { aud: ['projects/999', 'projects/someone-else'] }, 'invalid'],
    ['from another issuer', { iss: 'https://securetoken.google.com/visionq-test' }, 'invalid'],
    ['without a subject', { sub: '' }, 'invalid'],
  ] as const)('refuses a token %s', async (_name, overrides, reason) => {
    const error = await verifier.verify(appCheckToken(overrides)).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).reason).toBe(reason);
  });

  it('refuses a token signed by a key App Check does not publish, garbage, and nothing', async () => {
    const stranger = makeSigningKey('not App Check');
    for (const token of [appCheckToken({}, stranger), 'not.a.jwt', 'garbage'])
      await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(verifier.verify('')).rejects.toMatchObject({ reason: 'missing' });
  });

  it('keys that cannot be fetched are UnavailableError, not a refusal', async () => {
    const fresh = createFirebaseAppCheckVerifier({ projectId: PROJECT_ID, httpAgent: standIn.agent });
    standIn.jwksStatus = 500;
    try {
      await expect(fresh.verify(appCheckToken())).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      standIn.jwksStatus = 200;
      await fresh.close();
    }
    await expect(fresh.verify(appCheckToken())).rejects.toMatchObject({ code: 'unavailable' });
  });
});
