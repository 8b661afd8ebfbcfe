import { UnauthorizedError } from '@visionq/core';

/** Firebase ID tokens are issued by `https://securetoken.google.com/<project id>`, Auth Emulator ones too. */
export const issuerFor = (projectId: string) => `https://securetoken.google.com/${projectId}`;

export interface ClaimCheckOptions {
  projectId: string;
  /** Seconds of clock difference tolerated for `iat`, `auth_time` and `nbf` (never for `exp`). */
  clockSkewSeconds: number;
  /** Current time in milliseconds since the epoch. */
  now: number;
}

// Firebase itself refuses longer uids, and firebase-admin rejects such a `sub`.
const MAX_UID_LENGTH = 128;

/**
 * Checks the claims of a Firebase ID token (firebase.google.com/docs/auth/admin/verify-id-tokens): audience and
 * issuer name our project, a non-empty subject, issued and authenticated in the past, not yet expired.
 * Signatures are not this function's business. Throws `UnauthorizedError` with the first reason found.
 */
export function checkIdTokenClaims(
  claims: Readonly<Record<string, unknown>>,
  options: ClaimCheckOptions,
): string {
  const { projectId, clockSkewSeconds, now } = options;
  const nowSeconds = now / 1000;
  const { exp, iat, nbf, auth_time: authTime, aud, iss, sub } = claims;

  // auth_time is required as well: firebase-admin's revocation check compares it and lets a token without one
  // pass as never revoked.
  if (!isNumericDate(exp) || !isNumericDate(iat) || !isNumericDate(authTime)) {
    throw new UnauthorizedError('malformed', 'token lacks numeric exp, iat and auth_time claims');
  }
  if (aud !== projectId) throw new UnauthorizedError('wrong_audience', 'token is for another project');
  if (iss !== issuerFor(projectId)) throw new UnauthorizedError('wrong_issuer', 'token has the wrong issuer');
  if (typeof sub !== 'string' || sub === '') {
    throw new UnauthorizedError('no_subject', 'token has no subject');
  }
  if (sub.length > MAX_UID_LENGTH) throw new UnauthorizedError('malformed', 'token subject is too long');
  if (exp <= nowSeconds) throw new UnauthorizedError('expired', 'token has expired');
  for (const [name, value] of [
    ['iat', iat],
    ['auth_time', authTime],
    ['nbf', nbf],
  ] as const) {
    if (value === undefined) continue;
    if (!isNumericDate(value)) throw new UnauthorizedError('malformed', `token ${name} is not a number`);
    if (value > nowSeconds + clockSkewSeconds) {
      throw new UnauthorizedError('not_yet_valid', `token ${name} is in the future`);
    }
  }
  return sub;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
