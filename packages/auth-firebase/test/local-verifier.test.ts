import { UnauthorizedError, type TokenVerifier } from '@visionq/core';
import { tokenVerifierContract, type RejectedToken } from '@visionq/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorIdToken, createLocalTokenVerifier } from '../src/index.js';
import { idTokenClaims, makeSigningKey, signRs256, unsignedJwt } from './support/keys.js';

// Local mode without an emulator: unsigned emulator-format tokens, claims checked, no network at all.

const PROJECT_ID = 'demo-visionq';
const key = makeSigningKey();

function localRejections(): RejectedToken[] {
  const now = Math.floor(Date.now() / 1000);
  const token = (uid: string, overrides: Record<string, unknown> = {}) =>
    unsignedJwt(idTokenClaims(PROJECT_ID, uid, overrides));
  return [
    {
      name: 'expired',
      token: token('a', { iat: now - 7200, auth_time: now - 7200, exp: now - 1 }),
      reason: 'expired',
    },
    { name: 'issued in the future', token: token('a', { iat: now + 600 }), reason: 'not_yet_valid' },
    { name: 'for another project (aud)', token: token('a', { aud: 'demo-other' }), reason: 'wrong_audience' },
    {
      name: 'for another project (iss)',
      token: token('a', { iss: 'https://securetoken.google.com/demo-other' }),
      reason: 'wrong_issuer',
    },
    {
      name: 'made by the helper for another project',
      token: createEmulatorIdToken({ uid: 'a', projectId: 'demo-other' }),
      reason: 'wrong_audience',
    },
    { name: 'missing sub', token: token('a', { sub: undefined }), reason: 'no_subject' },
    { name: 'empty sub', token: token('a', { sub: '' }), reason: 'no_subject' },
    { name: 'no exp', token: token('a', { exp: undefined }), reason: 'malformed' },
    {
      name: 'signed, but not by anything we could check',
      token: signRs256(idTokenClaims(PROJECT_ID, 'a'), key),
      reason: 'unknown_key',
    },
    { name: 'alg none with a signature segment', token: `${token('a')}c2lnbmF0dXJl`, reason: 'malformed' },
    { name: 'garbage', token: 'not.a.token!', reason: 'malformed' },
  ];
}

tokenVerifierContract(it, async () => {
  const verifier = createLocalTokenVerifier({ projectId: PROJECT_ID });
  return {
    verifier,
    validToken: async (uid) => createEmulatorIdToken({ uid, projectId: PROJECT_ID }),
    rejectedTokens: async () => localRejections(),
    cleanup: () => verifier.close(),
  };
});

describe('local verifier', () => {
  let verifier: TokenVerifier;
  beforeAll(() => {
    verifier = createLocalTokenVerifier({ projectId: PROJECT_ID });
  });
  afterAll(() => verifier.close());

  it.each(localRejections())('refuses $name as $reason', async ({ token, reason }) => {
    const error = await verifier.verify(token).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).reason).toBe(reason);
  });

  it('accepts the helper’s token with its extra claims, which cannot override the registered ones', async () => {
    const token = createEmulatorIdToken({
      uid: 'alice',
      projectId: PROJECT_ID,
      claims: { email: 'alice@example.test', admin: true, sub: 'root', aud: 'demo-other' },
    });
    const { uid, claims } = await verifier.verify(token);
    expect(uid).toBe('alice');
    expect(claims).toMatchObject({ email: 'alice@example.test', admin: true, aud: PROJECT_ID });
  });

  it('tolerates a little clock skew on iat, as configured', async () => {
    const ahead = createEmulatorIdToken({ uid: 'alice', projectId: PROJECT_ID, now: Date.now() + 3_000 });
    expect((await verifier.verify(ahead)).uid).toBe('alice');
    const strict = createLocalTokenVerifier({ projectId: PROJECT_ID, clockSkewSeconds: 0 });
    await expect(strict.verify(ahead)).rejects.toMatchObject({ reason: 'not_yet_valid' });
  });

  it('refuses everything once closed', async () => {
    const closing = createLocalTokenVerifier({ projectId: PROJECT_ID });
    await closing.close();
    await expect(
      closing.verify(createEmulatorIdToken({ uid: 'a', projectId: PROJECT_ID })),
    ).rejects.toMatchObject({
      code: 'unavailable',
    });
  });
});

describe('createEmulatorIdToken', () => {
  it('makes the Auth Emulator’s token shape: alg none, empty signature, Firebase claims', () => {
    const token = createEmulatorIdToken({
      uid: 'bob',
      projectId: PROJECT_ID,
      expiresInSeconds: 60,
      now: 1_700_000_000_000,
    });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'none', typ: 'JWT' });
    expect(signature).toBe('');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({
      iss: `https://securetoken.google.com/${PROJECT_ID}`,
      aud: PROJECT_ID,
      sub: 'bob',
      user_id: 'bob',
      iat: 1_700_000_000,
      auth_time: 1_700_000_000,
      exp: 1_700_000_060,
    });
  });

  it('refuses a bad uid or project id', () => {
    expect(() => createEmulatorIdToken({ uid: '', projectId: PROJECT_ID })).toThrow(/uid/);
    expect(() => createEmulatorIdToken({ uid: 'x'.repeat(129), projectId: PROJECT_ID })).toThrow(/uid/);
    expect(() => createEmulatorIdToken({ uid: 'a', projectId: '' })).toThrow(/projectId/);
  });
});
