import { UnauthorizedError, UnavailableError, type VisionqError } from '@visionq/core';

// firebase-admin reports most verification failures as `auth/argument-error` and tells them apart only by
// message. Our own checks run first and cover every claim, so what can still come back from it is the
// signature, the key id, a failed certificate fetch, or the user lookup.
const BY_CODE: Record<string, UnauthorizedError['reason']> = {
  'auth/id-token-expired': 'expired',
  'auth/id-token-revoked': 'revoked',
  'auth/user-disabled': 'disabled',
  'auth/user-not-found': 'user_not_found',
};

const UNAVAILABLE_CODES = new Set([
  'app/app-deleted',
  'app/network-error',
  'app/network-timeout',
  'app/invalid-credential',
  'auth/invalid-credential',
  'auth/internal-error',
  'auth/quota-exceeded',
]);

/** Turns a firebase-admin verification failure into our error; the original stays as `cause`, for logs. */
export function fromAdminError(error: unknown): VisionqError {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string') {
    const reason = BY_CODE[code];
    if (reason) return new UnauthorizedError(reason, `unauthorized: ${reason}`, { cause: error });
    if (UNAVAILABLE_CODES.has(code)) {
      return new UnavailableError('Firebase Auth could not be reached to verify the token', { cause: error });
    }
    if (code === 'auth/argument-error') {
      if (/invalid signature/i.test(text))
        return new UnauthorizedError('bad_signature', undefined, { cause: error });
      if (/known public key/i.test(text))
        return new UnauthorizedError('unknown_key', undefined, { cause: error });
      // The key callback's failures (HTTP errors, network errors, unparsable certificates) surface here.
      if (/fetching public keys|making request|public key callback/i.test(text)) {
        return new UnavailableError('Firebase public certificates could not be fetched', { cause: error });
      }
    }
  }
  return new UnauthorizedError('invalid', undefined, { cause: error });
}
