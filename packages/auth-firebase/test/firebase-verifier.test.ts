import { UnauthorizedError, UnavailableError, type TokenVerifier } from '@visionq/core';
import { tokenVerifierContract } from '@visionq/core/testing';
import { deleteApp, getApps, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFirebaseTokenVerifier } from '../src/index.js';
import { makeSigningKey } from './support/keys.js';
import { productionRejections } from './support/production-cases.js';
import { PROJECT_ID, startProduction, type Production } from './support/production.js';

// Production mode end to end through firebase-admin: real RS256 signatures, checked against certificates that a
// local HTTPS stand-in serves the way Google serves its securetoken certificates.

const key = makeSigningKey();
let env: Production;
beforeAll(async () => {
  env = await startProduction(key);
});
afterAll(() => env.stop());

tokenVerifierContract(it, async () => {
  const verifier = env.verifier();
  return {
    verifier,
    validToken: async (uid) => env.token(uid),
    rejectedTokens: async () => productionRejections(PROJECT_ID, env.key),
    cleanup: () => verifier.close(),
  };
});

describe('production verifier', () => {
  let verifier: TokenVerifier;
  beforeAll(() => {
    verifier = env.verifier();
  });
  afterAll(() => verifier.close());

  it('accepts a valid ID token and returns its uid and claims', async () => {
    const { uid, claims } = await verifier.verify(env.token('alice'));
    expect(uid).toBe('alice');
    expect(claims).toMatchObject({ email: 'alice@example.test', aud: PROJECT_ID, sub: 'alice' });
  });

  it.each(productionRejections(PROJECT_ID, key))('refuses $name as $reason', async ({ token, reason }) => {
    const error = await verifier.verify(token).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).reason).toBe(reason);
    expect((error as Error).message).not.toContain(token);
  });

  it('refuses a non-string token as malformed, and none at all as missing', async () => {
    await expect(verifier.verify(42 as unknown as string)).rejects.toMatchObject({ reason: 'malformed' });
    await expect(verifier.verify(undefined as unknown as string)).rejects.toMatchObject({
      reason: 'missing',
    });
  });

  it('several verifiers for different projects coexist, each with its own app', async () => {
    const other = createFirebaseTokenVerifier({ projectId: 'visionq-other', httpAgent: env.standIn.agent });
    try {
      await expect(other.verify(env.token('alice'))).rejects.toMatchObject({ reason: 'wrong_audience' });
      expect((await verifier.verify(env.token('alice'))).uid).toBe('alice');
    } finally {
      await other.close();
    }
  });
});

describe('one verification per token', () => {
  it("calls firebase-admin's verifyIdToken once for each token, accepted or refused", async () => {
    const app = initializeApp({ projectId: PROJECT_ID, httpAgent: env.standIn.agent }, 'counted');
    // A spy that calls through: each verification still runs firebase-admin's real signature check.
    const verifyIdToken = vi.spyOn(getAuth(app), 'verifyIdToken');
    const verifier = createFirebaseTokenVerifier({ projectId: PROJECT_ID, app });
    try {
      const tokens = ['alice', 'bob', 'carol'].map((uid) => env.token(uid));
      for (const token of tokens) await verifier.verify(token);
      expect(verifyIdToken.mock.calls.map(([token]) => token)).toEqual(tokens);

      const forged = `${tokens[0]!.split('.').slice(0, 2).join('.')}.${'A'.repeat(342)}`;
      await expect(verifier.verify(forged)).rejects.toBeInstanceOf(UnauthorizedError);
      // A refusal also asks firebase-admin which mode it is in (a local probe, no signature check); the forged
      // token itself is verified once.
      expect(verifyIdToken.mock.calls.filter(([token]) => token === forged)).toHaveLength(1);
    } finally {
      await verifier.close();
      await deleteApp(app);
    }
  });
});

describe('firebase-admin on its own, for comparison', () => {
  it('refuses every one of those tokens too, except the ones only our own claim checks catch', async () => {
    const app = initializeApp({ projectId: PROJECT_ID, httpAgent: env.standIn.agent }, 'bare-admin');
    try {
      const acceptedByAdmin: string[] = [];
      for (const { name, token } of productionRejections(PROJECT_ID, key)) {
        const accepted = await getAuth(app)
          .verifyIdToken(token)
          .then(
            () => true,
            () => false,
          );
        if (accepted) acceptedByAdmin.push(name);
      }
      // firebase-admin checks neither `iat` nor `auth_time` against the clock, nor that `auth_time` exists.
      expect(acceptedByAdmin).toEqual([
        'issued in the future',
        'authenticated in the future',
        'no auth_time',
      ]);
    } finally {
      await deleteApp(app);
    }
  });
});

describe('app ownership', () => {
  it('deletes the app it created on close(), and refuses to verify afterwards', async () => {
    const before = getApps().length;
    const verifier = env.verifier();
    expect(getApps().length).toBe(before + 1);
    await verifier.close();
    await verifier.close();
    expect(getApps().length).toBe(before);
    await expect(verifier.verify(env.token('alice'))).rejects.toBeInstanceOf(UnavailableError);
  });

  it('uses an app it is given and leaves it to its owner', async () => {
    const app = initializeApp({ projectId: PROJECT_ID, httpAgent: env.standIn.agent }, 'given-app');
    try {
      const verifier = createFirebaseTokenVerifier({ projectId: PROJECT_ID, app });
      expect((await verifier.verify(env.token('bob'))).uid).toBe('bob');
      await verifier.close();
      expect(getApps()).toContain(app);
    } finally {
      await deleteApp(app);
    }
  });
});

describe('options', () => {
  it('fails fast, naming the option', () => {
    expect(() => createFirebaseTokenVerifier({} as never)).toThrow(/projectId/);
    expect(() => createFirebaseTokenVerifier({ projectId: 'Not A Project' })).toThrow(/projectId/);
    expect(() =>
      createFirebaseTokenVerifier({ projectId: PROJECT_ID, credential: { keyFile: '/nonexistent.json' } }),
    ).toThrow(/credential\.keyFile/);
    expect(() => createFirebaseTokenVerifier({ projectId: PROJECT_ID, credential: 'adc' as never })).toThrow(
      /credential/,
    );
    expect(() => createFirebaseTokenVerifier({ projectId: PROJECT_ID, clockSkewSeconds: -1 })).toThrow(
      /clockSkewSeconds/,
    );
    const app = initializeApp({ projectId: 'visionq-else' }, 'options-app');
    try {
      expect(() => createFirebaseTokenVerifier({ projectId: PROJECT_ID, app })).toThrow(/visionq-else/);
      expect(() =>
        createFirebaseTokenVerifier({ projectId: 'visionq-else', app, httpAgent: env.standIn.agent }),
      ).toThrow(/either app/);
    } finally {
      void deleteApp(app);
    }
  });
});
