import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ID, startProduction, type Production } from './support/production.js';
import { writeServiceAccountKey } from './support/service-account.js';

// The revocation check through firebase-admin: a service-account access token from the stand-in's OAuth2
// endpoint (the assertion must be signed by the key file's key), then Identity Toolkit's accounts:lookup.

let env: Production;
beforeAll(async () => {
  env = await startProduction();
  const now = Math.floor(Date.now() / 1000);
  env.standIn.users.set('alice', {});
  env.standIn.users.set('bob', { validSince: now });
  env.standIn.users.set('carol', { disabled: true });
});
afterAll(() => env.stop());

describe('checkRevoked: true', () => {
  it('accepts a user in good standing, after looking them up', async () => {
    const verifier = env.verifier({ checkRevoked: true });
    try {
      const before = { ...env.standIn.requests };
      expect((await verifier.verify(env.token('alice'))).uid).toBe('alice');
      expect(env.standIn.requests.lookup).toBe(before.lookup + 1);
      expect(env.standIn.requests.token).toBeGreaterThanOrEqual(1);
    } finally {
      await verifier.close();
    }
  });

  it('refuses a token issued before its user’s tokens were revoked, a disabled user and an unknown one', async () => {
    const verifier = env.verifier({ checkRevoked: true });
    try {
      const now = Math.floor(Date.now() / 1000);
      await expect(verifier.verify(env.token('bob', { auth_time: now - 120 }))).rejects.toMatchObject({
        code: 'unauthorized',
        reason: 'revoked',
      });
      await expect(verifier.verify(env.token('carol'))).rejects.toMatchObject({ reason: 'disabled' });
      await expect(verifier.verify(env.token('dave'))).rejects.toMatchObject({ reason: 'user_not_found' });
    } finally {
      await verifier.close();
    }
  });

  it('accepts the revoked user’s next sign-in', async () => {
    const verifier = env.verifier({ checkRevoked: true });
    try {
      const now = Math.floor(Date.now() / 1000);
      expect((await verifier.verify(env.token('bob', { auth_time: now }))).uid).toBe('bob');
    } finally {
      await verifier.close();
    }
  });

  it('is unavailable, not unauthorized, when the token endpoint refuses the credential', async () => {
    // A key file the stand-in's token endpoint does not know (its own file keeps working elsewhere).
    const unknown = writeServiceAccountKey(PROJECT_ID);
    const verifier = env.verifier({ checkRevoked: true, credential: { keyFile: unknown.keyFile } });
    try {
      await expect(verifier.verify(env.token('alice'))).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await verifier.close();
      unknown.remove();
    }
  });
});

describe('checkRevoked: false (the default)', () => {
  it('makes no lookup, so a revoked user’s unexpired token still passes', async () => {
    const verifier = env.verifier();
    try {
      const before = env.standIn.requests.lookup;
      const now = Math.floor(Date.now() / 1000);
      expect((await verifier.verify(env.token('bob', { auth_time: now - 120 }))).uid).toBe('bob');
      expect(env.standIn.requests.lookup).toBe(before);
    } finally {
      await verifier.close();
    }
  });
});
