import type { TokenVerifier, VerifiedToken } from '@visionq/core';
import { decodeJwt } from './jwt.js';
import {
  clockSkewSeconds,
  closedError,
  requireProjectId,
  requireUnsigned,
  verifiedClaims,
} from './options.js';

export interface LocalTokenVerifierOptions {
  /** Project whose emulator tokens are accepted (`aud` and `iss`). Required. */
  projectId: string;
  /** Seconds `iat`/`auth_time` may lie in the future. Default 5. */
  clockSkewSeconds?: number;
}

/**
 * Local mode without an emulator: accepts the unsigned ID tokens the Firebase Auth Emulator issues (and
 * `createEmulatorIdToken` makes) after checking their claims. No network, no user lookup. Anyone can mint such
 * a token, so this belongs on a loopback-only development server, never in production.
 */
export function createLocalTokenVerifier(options: LocalTokenVerifierOptions): TokenVerifier {
  const projectId = requireProjectId(options.projectId);
  const skew = clockSkewSeconds(options.clockSkewSeconds);
  let closed = false;
  return {
    async verify(token: string): Promise<VerifiedToken> {
      if (closed) throw closedError();
      const decoded = decodeJwt(token);
      requireUnsigned(decoded);
      return verifiedClaims(decoded, projectId, skew);
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
