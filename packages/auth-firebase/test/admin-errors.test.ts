import { UnauthorizedError, UnavailableError } from '@visionq/core';
import { describe, expect, it } from 'vitest';
import { fromAdminError } from '../src/admin-errors.js';
import { parseEmulatorHost } from '../src/emulator-agent.js';

// The table from firebase-admin's failures to ours. The real paths are exercised end to end elsewhere; this
// covers the entries those cannot reach on demand (an expiry racing our own check, unknown codes).

const adminError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('fromAdminError', () => {
  it.each([
    ['auth/id-token-expired', 'expired'],
    ['auth/id-token-revoked', 'revoked'],
    ['auth/user-disabled', 'disabled'],
    ['auth/user-not-found', 'user_not_found'],
  ])('%s → %s', (code, reason) => {
    const error = fromAdminError(adminError(code));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).reason).toBe(reason);
    expect(error.cause).toMatchObject({ code });
  });

  it('network, credential and internal failures are unavailable', () => {
    for (const code of [
      'app/network-error',
      'app/invalid-credential',
      'auth/internal-error',
      'app/app-deleted',
    ]) {
      expect(fromAdminError(adminError(code)), code).toBeInstanceOf(UnavailableError);
    }
    const fetch = adminError('auth/argument-error', 'Error fetching public keys for Google certs: 500');
    expect(fromAdminError(fetch)).toBeInstanceOf(UnavailableError);
  });

  it('anything else is refused as invalid, never accepted and never a crash', () => {
    for (const thrown of [
      adminError('auth/something-new'),
      adminError('auth/argument-error', 'odd'),
      'str',
      null,
    ]) {
      const error = fromAdminError(thrown);
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as UnauthorizedError).reason).toBe('invalid');
    }
  });
});

describe('parseEmulatorHost', () => {
  it('takes host:port as FIREBASE_AUTH_EMULATOR_HOST writes it', () => {
    expect(parseEmulatorHost('127.0.0.1:9099')).toEqual({ hostname: '127.0.0.1', port: '9099' });
    expect(parseEmulatorHost('LocalHost:9099')).toEqual({ hostname: 'localhost', port: '9099' });
    expect(parseEmulatorHost('[::1]:9099')).toEqual({ hostname: '::1', port: '9099' });
  });

  it('refuses anything else', () => {
    for (const bad of ['http://127.0.0.1:9099', '127.0.0.1', '127.0.0.1:9099/x', '', 9099]) {
      expect(() => parseEmulatorHost(bad), String(bad)).toThrow(/emulatorHost/);
    }
  });
});
