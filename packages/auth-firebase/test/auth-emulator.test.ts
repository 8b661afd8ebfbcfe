import { UnauthorizedError, type TokenVerifier } from '@visionq/core';
import { tokenVerifierContract } from '@visionq/core/testing';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmulatorIdToken,
  createEmulatorTokenVerifier,
  createFirebaseTokenVerifier,
  createLocalTokenVerifier,
} from '../src/index.js';
import { AuthEmulator } from './support/auth-emulator.js';
import { idTokenClaims, makeSigningKey, signRs256 } from './support/keys.js';

// Against the real Firebase Auth Emulator. This file plays the app: it sets FIREBASE_AUTH_EMULATOR_HOST in its
// own process (vitest gives each file its own), which is where firebase-admin reads it.

const PROJECT_ID = 'demo-visionq';
const VARIABLE = 'FIREBASE_AUTH_EMULATOR_HOST';
let emulator: AuthEmulator;
let user: { uid: string; idToken: string };
let local: TokenVerifier;
let backed: TokenVerifier;

beforeAll(async () => {
  emulator = await AuthEmulator.start(PROJECT_ID);
  process.env[VARIABLE] = emulator.host;
  user = await emulator.signUp(`flutter-${Date.now()}@example.test`);
  local = createLocalTokenVerifier({ projectId: PROJECT_ID });
  backed = createEmulatorTokenVerifier({ projectId: PROJECT_ID, emulatorHost: emulator.host });
}, 120_000);

afterAll(async () => {
  await Promise.all([local?.close(), backed?.close()]);
  delete process.env[VARIABLE];
  await emulator?.stop();
}, 30_000);

tokenVerifierContract(it, async () => {
  const verifier = createEmulatorTokenVerifier({ projectId: PROJECT_ID, emulatorHost: emulator.host });
  const disabled = `disabled-${Date.now()}`;
  await emulator.createUser(disabled);
  await emulator.updateUser(disabled, { disableUser: true });
  const now = Math.floor(Date.now() / 1000);
  return {
    verifier,
    validToken: async (uid) => {
      await emulator.createUser(uid).catch(() => undefined); // already there from an earlier test
      return createEmulatorIdToken({ uid, projectId: PROJECT_ID });
    },
    rejectedTokens: async () => [
      {
        name: 'unknown user',
        token: createEmulatorIdToken({ uid: 'nobody', projectId: PROJECT_ID }),
        reason: 'user_not_found',
      },
      {
        name: 'disabled user',
        token: createEmulatorIdToken({ uid: disabled, projectId: PROJECT_ID }),
        reason: 'disabled',
      },
      {
        name: 'expired',
        token: createEmulatorIdToken({ uid: user.uid, projectId: PROJECT_ID, now: (now - 7200) * 1000 }),
        reason: 'expired',
      },
      {
        name: 'another project',
        token: createEmulatorIdToken({ uid: user.uid, projectId: 'demo-other' }),
        reason: 'wrong_audience',
      },
      {
        name: 'signed',
        token: signRs256(idTokenClaims(PROJECT_ID, user.uid), makeSigningKey()),
        reason: 'unknown_key',
      },
    ],
    cleanup: () => verifier.close(),
  };
});

describe('a user signed up in the emulator', () => {
  it('is accepted by both local variants', async () => {
    expect((await local.verify(user.idToken)).uid).toBe(user.uid);
    const verified = await backed.verify(user.idToken);
    expect(verified.uid).toBe(user.uid);
    expect(verified.claims).toMatchObject({ email: expect.stringMatching(/^flutter-/) });
  });

  it('is refused by production mode, with or without the variable set', async () => {
    const production = createFirebaseTokenVerifier({ projectId: PROJECT_ID });
    try {
      await expect(production.verify(user.idToken)).rejects.toMatchObject({ reason: 'unsigned' });
      delete process.env[VARIABLE];
      await expect(production.verify(user.idToken)).rejects.toMatchObject({ reason: 'unsigned' });
    } finally {
      process.env[VARIABLE] = emulator.host;
      await production.close();
    }
  });

  it('once disabled, is refused by the emulator-backed variant (the claims-only variant cannot know)', async () => {
    const other = await emulator.signUp(`to-disable-${Date.now()}@example.test`);
    expect((await backed.verify(other.idToken)).uid).toBe(other.uid);
    await emulator.updateUser(other.uid, { disableUser: true });
    const error = await backed.verify(other.idToken).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).reason).toBe('disabled');
    expect((await local.verify(other.idToken)).uid).toBe(other.uid);
  });

  it('whose tokens were revoked is refused by the emulator-backed variant', async () => {
    const other = await emulator.signUp(`to-revoke-${Date.now()}@example.test`);
    await emulator.updateUser(other.uid, { validSince: String(Math.floor(Date.now() / 1000) + 60) });
    await expect(backed.verify(other.idToken)).rejects.toMatchObject({ reason: 'revoked' });
  });
});

describe('forged unsigned tokens', () => {
  it('firebase-admin alone, in emulator mode, accepts one for an existing user: the danger production must avoid', async () => {
    const forged = createEmulatorIdToken({ uid: user.uid, projectId: PROJECT_ID });
    const app = initializeApp({ projectId: PROJECT_ID }, `bare-${Date.now()}`);
    try {
      expect((await getAuth(app).verifyIdToken(forged)).uid).toBe(user.uid);
      const production = createFirebaseTokenVerifier({ projectId: PROJECT_ID });
      await expect(production.verify(forged)).rejects.toMatchObject({ reason: 'unsigned' });
      await production.close();
    } finally {
      await deleteApp(app);
    }
  });

  it('the emulator-backed variant refuses one for a user the emulator does not know', async () => {
    const forged = createEmulatorIdToken({ uid: 'never-signed-up', projectId: PROJECT_ID });
    await expect(backed.verify(forged)).rejects.toMatchObject({ reason: 'user_not_found' });
  });
});

describe('emulator-backed variant misconfigured', () => {
  it('is unavailable when firebase-admin is not in emulator mode', async () => {
    delete process.env[VARIABLE];
    try {
      await expect(backed.verify(user.idToken)).rejects.toMatchObject({ code: 'unavailable' });
      await expect(backed.verify(user.idToken)).rejects.toThrow(new RegExp(`${VARIABLE}=${emulator.host}`));
    } finally {
      process.env[VARIABLE] = emulator.host;
    }
  });

  it('never talks to another host than its emulatorHost', async () => {
    const elsewhere = createEmulatorTokenVerifier({ projectId: PROJECT_ID, emulatorHost: '127.0.0.1:9' });
    try {
      const error = (await elsewhere.verify(user.idToken).catch((thrown: unknown) => thrown)) as Error;
      expect(error).toMatchObject({ code: 'unavailable' });
      expect(String((error.cause as Error).message)).toMatch(/not the configured emulatorHost/);
    } finally {
      await elsewhere.close();
    }
  });

  it('is unavailable when the emulator cannot be reached', async () => {
    const gone = createEmulatorTokenVerifier({ projectId: PROJECT_ID, emulatorHost: '127.0.0.1:9' });
    process.env[VARIABLE] = '127.0.0.1:9';
    try {
      await expect(gone.verify(user.idToken)).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      process.env[VARIABLE] = emulator.host;
      await gone.close();
    }
  });

  it('refuses a malformed emulatorHost at once', () => {
    expect(() =>
      createEmulatorTokenVerifier({ projectId: PROJECT_ID, emulatorHost: 'http://127.0.0.1:9099' }),
    ).toThrow(/emulatorHost/);
  });
});
