import { UnauthorizedError, UnavailableError } from '@visionq/core';
import { getAuth } from 'firebase-admin/auth';
import { initializeApp, deleteApp } from 'firebase-admin/app';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorIdToken } from '../src/index.js';
import { modeProbeToken, probeMode } from '../src/mode-probe.js';
import { idTokenClaims, signRs256, unsignedJwt } from './support/keys.js';
import { PROJECT_ID, startProduction, type Production } from './support/production.js';

// firebase-admin switches itself to Auth Emulator mode, where it checks no signature, whenever
// FIREBASE_AUTH_EMULATOR_HOST is set in the process environment. The production verifier must not follow it.
// This file sets the variable in its own test process (vitest runs each file in its own).

const VARIABLE = 'FIREBASE_AUTH_EMULATOR_HOST';
const original = process.env[VARIABLE];
let env: Production;
beforeAll(async () => {
  env = await startProduction();
});
afterAll(() => env.stop());
afterEach(() => {
  if (original === undefined) delete process.env[VARIABLE];
  else process.env[VARIABLE] = original;
});

describe('production verifier with FIREBASE_AUTH_EMULATOR_HOST set', () => {
  it('the variable really switches firebase-admin to emulator mode (so the danger is real)', async () => {
    const app = initializeApp({ projectId: PROJECT_ID }, 'probe-check');
    try {
      const probe = modeProbeToken(PROJECT_ID);
      delete process.env[VARIABLE];
      expect(await probeMode(getAuth(app), probe)).toBe('production');
      process.env[VARIABLE] = '127.0.0.1:9';
      expect(await probeMode(getAuth(app), probe)).toBe('emulator');
      // The second line of defence: in emulator mode firebase-admin refuses any token that carries a signature,
      // so requiring RS256 and a kid beforehand leaves it nothing it could accept unchecked.
      await expect(getAuth(app).verifyIdToken(env.token('alice'))).rejects.toMatchObject({
        code: 'auth/argument-error',
      });
    } finally {
      await deleteApp(app);
    }
  });

  it('accepts nothing: a valid signed token, an unsigned one, a forged one', async () => {
    const verifier = env.verifier();
    try {
      const valid = env.token('alice');
      expect((await verifier.verify(valid)).uid).toBe('alice');

      process.env[VARIABLE] = '127.0.0.1:9';
      await expect(verifier.verify(valid)).rejects.toBeInstanceOf(UnavailableError);
      await expect(verifier.verify(valid)).rejects.toThrow(/emulator mode/i);
      const claims = idTokenClaims(PROJECT_ID, 'mallory');
      const forged = `${signRs256(claims, env.key).split('.').slice(0, 2).join('.')}.${'A'.repeat(342)}`;
      await expect(verifier.verify(forged)).rejects.toBeInstanceOf(UnavailableError);
      for (const unsigned of [
        unsignedJwt(claims),
        unsignedJwt(claims, { kid: env.key.kid }),
        createEmulatorIdToken({ uid: 'mallory', projectId: PROJECT_ID }),
      ]) {
        const error = await verifier.verify(unsigned).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(UnauthorizedError);
        expect((error as UnauthorizedError).reason).toBe('unsigned');
      }

      delete process.env[VARIABLE];
      expect((await verifier.verify(valid)).uid).toBe('alice');
    } finally {
      await verifier.close();
    }
  });

  it('holds for a verifier created while the variable was already set', async () => {
    process.env[VARIABLE] = '127.0.0.1:9';
    const verifier = env.verifier({ checkRevoked: true });
    try {
      await expect(verifier.verify(env.token('alice'))).rejects.toBeInstanceOf(UnavailableError);
      await expect(
        verifier.verify(createEmulatorIdToken({ uid: 'alice', projectId: PROJECT_ID })),
      ).rejects.toMatchObject({ reason: 'unsigned' });
    } finally {
      await verifier.close();
    }
  });
});
