import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCheckVerifier } from '@visionq/core';
import { createFirebaseAppCheckVerifier } from '@visionq/auth-firebase';
import { GoogleStandIn } from '../../../packages/auth-firebase/test/support/google-stand-in.js';
import { makeSigningKey, signRs256 } from '../../../packages/auth-firebase/test/support/keys.js';
import { bearer, jpeg, testServices } from './support.js';

// APP_CHECK=optional|required: the X-Firebase-AppCheck header verified by firebase-admin's real verifyToken,
// against a local stand-in of App Check's key endpoint.

const PROJECT_ID = 'visionq-test';
const key = makeSigningKey('App Check');
const appCheckToken = (overrides: Record<string, unknown> = {}) =>
  signRs256(
    {
      iss: 'https://firebaseappcheck.googleapis.com/123456789012',
      sub: '1:123456789012:android:0123456789abcdef',
      aud: ['projects/123456789012', `projects/${PROJECT_ID}`],
      iat: Math.floor(Date.now() / 1000) - 60,
      exp: Math.floor(Date.now() / 1000) + 3600,
      ...overrides,
    },
    key,
  );

const service = testServices();
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

const upload = async (app: Parameters<typeof request>[0], appCheck?: string) => {
  const req = request(app).post('/predict').set(bearer());
  if (appCheck !== undefined) req.set('X-Firebase-AppCheck', appCheck);
  return req.attach('image', await jpeg(), 'photo.jpg');
};

describe('Firebase App Check on uploads', () => {
  it('required: no token, or a bad one → the same 401 as a bad ID token; a valid one → 202', async () => {
    const { app } = await service({ appCheck: { mode: 'required', verifier } });
    const none = await upload(app);
    const expired = await upload(app, appCheckToken({ exp: 1, iat: 0 }));
    const garbage = await upload(app, 'not-a-token');
    for (const res of [none, expired, garbage]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: 'unauthorized' } });
    }
    expect((await upload(app, appCheckToken())).status).toBe(202);
  });

  it('optional: none is fine, a bad one is still refused', async () => {
    const { app } = await service({ appCheck: { mode: 'optional', verifier } });
    expect((await upload(app)).status).toBe(202);
    expect((await upload(app, 'not-a-token')).status).toBe(401);
    expect((await upload(app, appCheckToken())).status).toBe(202);
  });

  it('off (no verifier wired): the header is ignored', async () => {
    const { app } = await service();
    expect((await upload(app, 'not-a-token')).status).toBe(202);
  });
});
