import type { Auth } from 'firebase-admin/auth';
import { issuerFor } from './claims.js';
import { encodeUnsignedJwt } from './jwt.js';

/**
 * Which way firebase-admin is verifying right now. It decides by itself, from `FIREBASE_AUTH_EMULATOR_HOST` in
 * the environment of the process, read at every `verifyIdToken` call; in emulator mode it checks no signature
 * at all. We may not read the environment, so we ask firebase-admin instead, with a token the two modes refuse
 * with different codes and without any network call: an unsigned, long-expired token for our project.
 * Production refuses it for having no `kid` (`auth/argument-error`) before anything else; emulator mode skips
 * that check and refuses it as expired (`auth/id-token-expired`) before looking the user up.
 */
export type AdminMode = 'production' | 'emulator' | 'unknown';

export function modeProbeToken(projectId: string): string {
  return encodeUnsignedJwt({
    iss: issuerFor(projectId),
    aud: projectId,
    sub: 'visionq-mode-probe',
    iat: 1,
    exp: 2,
    auth_time: 1,
  });
}

/**
 * Starts the probe. Call it in the same synchronous run as the `verifyIdToken` it vouches for: both read the
 * environment at call time, so they then see the same value.
 */
export function probeMode(auth: Auth, probeToken: string): Promise<AdminMode> {
  const classify = (error: unknown): AdminMode => {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (code === 'auth/argument-error' && typeof message === 'string' && message.includes('"kid"')) {
      return 'production';
    }
    if (code === 'auth/id-token-expired') return 'emulator';
    return 'unknown';
  };
  try {
    // Accepting the probe is no mode we know: treat it as unknown, which both verifiers refuse.
    return auth.verifyIdToken(probeToken).then(() => 'unknown' as const, classify);
  } catch (error) {
    return Promise.resolve(classify(error));
  }
}
