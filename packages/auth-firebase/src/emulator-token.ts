import { issuerFor } from './claims.js';
import { encodeUnsignedJwt } from './jwt.js';

export interface EmulatorIdTokenOptions {
  /** The user id; becomes `sub` and `user_id`. */
  uid: string;
  /** The Firebase project whose tokens the verifier accepts (`demo-visionq` in local mode). */
  projectId: string;
  /** Lifetime in seconds. Default 3600, as Firebase's own ID tokens. */
  expiresInSeconds?: number;
  /** Extra claims (`email`, custom claims). They cannot override the registered claims set here. */
  claims?: Readonly<Record<string, unknown>>;
  /** Issue time in milliseconds since the epoch. Default: now. */
  now?: number;
}

/**
 * Makes an unsigned ID token of the shape the Firebase Auth Emulator issues, for curl and Postman against a
 * local-mode API. Only a local-mode verifier accepts it: a production verifier refuses every unsigned token.
 */
export function createEmulatorIdToken(options: EmulatorIdTokenOptions): string {
  const { uid, projectId, expiresInSeconds = 3600, claims = {}, now = Date.now() } = options;
  if (typeof uid !== 'string' || uid === '' || uid.length > 128) {
    throw new TypeError('uid must be a non-empty string of at most 128 characters');
  }
  if (typeof projectId !== 'string' || projectId === '')
    throw new TypeError('projectId must be a non-empty string');
  if (!(expiresInSeconds > 0)) throw new RangeError('expiresInSeconds must be positive');
  const iat = Math.floor(now / 1000);
  return encodeUnsignedJwt({
    ...claims,
    auth_time: iat,
    user_id: uid,
    firebase: { identities: {}, sign_in_provider: 'custom' },
    iat,
    exp: iat + expiresInSeconds,
    aud: projectId,
    iss: issuerFor(projectId),
    sub: uid,
  });
}
