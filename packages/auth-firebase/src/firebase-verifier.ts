import type { Agent } from 'node:http';
import { UnauthorizedError, UnavailableError, type TokenVerifier, type VerifiedToken } from '@visionq/core';
import type { App } from 'firebase-admin/app';
import { fromAdminError } from './admin-errors.js';
import { borrowApp, createOwnedApp, type FirebaseCredential } from './app.js';
import { decodeJwt, type DecodedJwt } from './jwt.js';
import { modeProbeToken, probeMode } from './mode-probe.js';
import { clockSkewSeconds, closedError, requireProjectId, verifiedClaims } from './options.js';
import { settle } from './settle.js';

export interface FirebaseTokenVerifierOptions {
  /** Firebase project whose ID tokens are accepted. Required. */
  projectId: string;
  /** Used only by the revocation check. Default `'application-default'`. Not allowed with `app`. */
  credential?: FirebaseCredential;
  /** Also reject revoked tokens and disabled users: one call to Firebase per verification. Default false. */
  checkRevoked?: boolean;
  /** Agent for every request firebase-admin makes (certificates, token, user lookup), e.g. for a proxy. */
  httpAgent?: Agent;
  /** A firebase-admin app to use instead of creating one; `close()` leaves it to its owner. */
  app?: App;
  /** Seconds `iat`/`auth_time` may lie in the future. Default 5. */
  clockSkewSeconds?: number;
}

/**
 * Production mode: verifies Firebase ID tokens with firebase-admin's `verifyIdToken` (RS256 signature against
 * Google's public certificates, cached per their max-age). Never accepts an unsigned token: see the README's
 * security notes for how that holds even when firebase-admin itself is switched to emulator mode.
 */
export function createFirebaseTokenVerifier(options: FirebaseTokenVerifierOptions): TokenVerifier {
  const projectId = requireProjectId(options.projectId);
  const skew = clockSkewSeconds(options.clockSkewSeconds);
  const checkRevoked = options.checkRevoked ?? false;
  if (options.app && (options.credential !== undefined || options.httpAgent !== undefined)) {
    throw new TypeError('pass either app, or credential and httpAgent for an app of our own, not both');
  }
  const handle = options.app
    ? borrowApp(options.app, projectId)
    : createOwnedApp({ projectId, credential: options.credential, httpAgent: options.httpAgent });
  const probeToken = modeProbeToken(projectId);
  let closed = false;
  // firebase-admin starts a certificate fetch for every verification that finds its cache empty. Until one
  // verification has been answered with the certificates in hand, the others wait for it, so that a burst of
  // requests at start-up makes one fetch, not one each.
  let warm = false;
  let leader: Promise<void> | undefined;

  return {
    async verify(token: string): Promise<VerifiedToken> {
      if (closed) throw closedError();
      const decoded = decodeJwt(token);
      requireSignedRs256(decoded);
      const verified = verifiedClaims(decoded, projectId, skew);
      while (!warm && leader) await leader;
      const outcome = settle(() => handle.auth.verifyIdToken(token, checkRevoked));
      if (!warm) {
        leader = outcome.then((result) => {
          warm = result.ok || !(fromAdminError(result.error) instanceof UnavailableError);
          leader = undefined;
        });
      }
      const result = await outcome;
      if (result.ok) return verified;
      // One verification per token. In Auth Emulator mode firebase-admin checks with `algorithms: ['none']`, so it
      // refuses every token that gets this far (RS256, signed): nothing is accepted unchecked. Only a refusal is
      // worth asking which mode firebase-admin is in, to say why (the probe makes no network call).
      if ((await probeMode(handle.auth, probeToken)) !== 'production') {
        throw new UnavailableError(
          'firebase-admin is in Auth Emulator mode (FIREBASE_AUTH_EMULATOR_HOST is set in this process), ' +
            'where it checks no signatures; the production verifier refuses to verify any token',
        );
      }
      throw fromAdminError(result.error);
    },
    async close(): Promise<void> {
      closed = true;
      await handle.close();
    },
  };
}

/**
 * Firebase signs ID tokens with RS256 and names the key in `kid`. Anything else is refused here, before
 * firebase-admin sees it: above all `alg: none`, which firebase-admin in emulator mode would take unchecked.
 */
function requireSignedRs256({ header, signature }: DecodedJwt): void {
  const { alg, kid } = header;
  if (typeof alg !== 'string') throw new UnauthorizedError('malformed', 'token header has no alg');
  if (alg.toLowerCase() === 'none' || signature === '') {
    throw new UnauthorizedError('unsigned', 'unsigned tokens are never accepted in production mode');
  }
  if (alg !== 'RS256') throw new UnauthorizedError('bad_signature', 'token is not signed with RS256');
  if (typeof kid !== 'string' || kid === '') throw new UnauthorizedError('unknown_key', 'token names no key');
}
