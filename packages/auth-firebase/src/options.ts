import { UnauthorizedError, UnavailableError, type VerifiedToken } from '@visionq/core';
import { checkIdTokenClaims } from './claims.js';
import type { DecodedJwt } from './jwt.js';

/** Default tolerance for `iat`/`auth_time`/`nbf` a little ahead of our clock. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 5;

// Firebase project ids: 6–30 lowercase letters, digits and hyphens. Checked so that a typo fails at start-up
// rather than as a 401 on every request.
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

export function requireProjectId(value: unknown): string {
  if (typeof value !== 'string' || !PROJECT_ID.test(value)) {
    throw new TypeError(
      'projectId is required: the Firebase project id whose ID tokens are accepted (6–30 lowercase letters, ' +
        'digits and hyphens)',
    );
  }
  return value;
}

export function clockSkewSeconds(value: number | undefined): number {
  const skew = value ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (!Number.isFinite(skew) || skew < 0 || skew > 300) {
    throw new RangeError('clockSkewSeconds must be between 0 and 300');
  }
  return skew;
}

/** The claims check every variant shares, returning what `verify` resolves with. */
export function verifiedClaims(decoded: DecodedJwt, projectId: string, skew: number): VerifiedToken {
  const uid = checkIdTokenClaims(decoded.payload, { projectId, clockSkewSeconds: skew, now: Date.now() });
  return { uid, claims: Object.freeze({ ...decoded.payload }) };
}

/** Refuses tokens that carry a signature: local mode has no key to check one with. */
export function requireUnsigned(decoded: DecodedJwt): void {
  if (decoded.header.alg !== 'none') {
    throw new UnauthorizedError('unknown_key', 'local mode accepts only unsigned emulator tokens');
  }
  if (decoded.signature !== '') {
    throw new UnauthorizedError('malformed', 'unsigned token carries a signature');
  }
}

export const closedError = () => new UnavailableError('token verifier is closed');
