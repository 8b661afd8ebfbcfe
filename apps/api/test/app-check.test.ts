import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  appCheckStandIn,
  appCheckToken,
  makeAppCheckKey,
} from '../../../packages/auth-firebase/test/support/app-check.js';
import { bearer, jpeg, testServices } from './support.js';

// APP_CHECK=optional|required: the X-Firebase-AppCheck header verified by firebase-admin's real verifyToken,
// against a local stand-in of App Check's key endpoint.

const PROJECT_ID = 'visionq-test';
const key = makeAppCheckKey();
const token = (overrides: Record<string, unknown> = {}) => appCheckToken(key, PROJECT_ID, overrides);

const service = testServices();
const env = appCheckStandIn(PROJECT_ID, key);

const upload = async (app: Parameters<typeof request>[0], appCheck?: string) => {
  const req = request(app).post('/predict').set(bearer());
  if (appCheck !== undefined) req.set('X-Firebase-AppCheck', appCheck);
  return req.attach('image', await jpeg(), 'photo.jpg');
};

describe('Firebase App Check on uploads', () => {
  it('required: no token, or a bad one → the same 401 as a bad ID token; a valid one → 202', async () => {
    const { app } = await service({ appCheck: { mode: 'required', verifier: env.verifier } });
    const none = await upload(app);
    const expired = await upload(app, token({ exp: 1, iat: 0 }));
    const garbage = await upload(app, 'not-a-token');
    for (const res of [none, expired, garbage]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: 'unauthorized' } });
    }
    expect((await upload(app, token())).status).toBe(202);
  });

  it('optional: none is fine, a bad one is still refused', async () => {
    const { app } = await service({ appCheck: { mode: 'optional', verifier: env.verifier } });
    expect((await upload(app)).status).toBe(202);
    expect((await upload(app, 'not-a-token')).status).toBe(401);
    expect((await upload(app, token())).status).toBe(202);
  });

  it('off (no verifier wired): the header is ignored', async () => {
    const { app } = await service();
    expect((await upload(app, 'not-a-token')).status).toBe(202);
  });
});
