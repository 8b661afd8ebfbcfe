import { UnavailableError, type TokenVerifier, type VerifiedToken } from '@visionq/core';
import { fromAdminError } from './admin-errors.js';
import { createOwnedApp } from './app.js';
import { EmulatorOnlyAgent } from './emulator-agent.js';
import { decodeJwt } from './jwt.js';
import { modeProbeToken, probeMode } from './mode-probe.js';
import {
  clockSkewSeconds,
  closedError,
  requireProjectId,
  requireUnsigned,
  verifiedClaims,
} from './options.js';
import { settle } from './settle.js';

export interface EmulatorTokenVerifierOptions {
  /** Project the emulator runs as (`firebase emulators:start --project <id>`). Required. */
  projectId: string;
  /**
   * `host:port` of the running Auth Emulator. Required, and must equal `FIREBASE_AUTH_EMULATOR_HOST` in the
   * environment of this process: firebase-admin reads only that, and this verifier refuses to run without it.
   */
  emulatorHost: string;
  /** Seconds `iat`/`auth_time` may lie in the future. Default 5. */
  clockSkewSeconds?: number;
}

/**
 * Local mode against a running Firebase Auth Emulator: firebase-admin's own emulator mode, which also asks the
 * emulator whether the user exists, is enabled and has not had its tokens revoked.
 */
export function createEmulatorTokenVerifier(options: EmulatorTokenVerifierOptions): TokenVerifier {
  const projectId = requireProjectId(options.projectId);
  const skew = clockSkewSeconds(options.clockSkewSeconds);
  const agent = new EmulatorOnlyAgent(options.emulatorHost);
  const handle = createOwnedApp({ projectId, httpAgent: agent });
  const probeToken = modeProbeToken(projectId);
  let closed = false;

  return {
    async verify(token: string): Promise<VerifiedToken> {
      if (closed) throw closedError();
      const decoded = decodeJwt(token);
      requireUnsigned(decoded);
      const verified = verifiedClaims(decoded, projectId, skew);
      const mode = probeMode(handle.auth, probeToken);
      const outcome = settle(() => handle.auth.verifyIdToken(token));
      if ((await mode) !== 'emulator') {
        await outcome;
        throw new UnavailableError(
          `firebase-admin is not in emulator mode: set FIREBASE_AUTH_EMULATOR_HOST=${options.emulatorHost} ` +
            'in the environment of this process',
        );
      }
      const result = await outcome;
      if (!result.ok) throw fromAdminError(result.error);
      return verified;
    },
    async close(): Promise<void> {
      closed = true;
      await handle.close();
      agent.destroy();
    },
  };
}
