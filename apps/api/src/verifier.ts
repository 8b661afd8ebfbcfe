import {
  createEmulatorIdToken,
  createEmulatorTokenVerifier,
  createFirebaseTokenVerifier,
  createLocalTokenVerifier,
} from '@visionq/auth-firebase';
import type { TokenVerifier } from '@visionq/core';
import type { Logger } from 'pino';
import type { Config } from './config.js';

type AuthConfig = Pick<
  Config,
  | 'AUTH_MODE'
  | 'FIREBASE_PROJECT_ID'
  | 'FIREBASE_AUTH_EMULATOR_HOST'
  | 'GOOGLE_APPLICATION_CREDENTIALS'
  | 'FIREBASE_CHECK_REVOKED'
>;

/** The token verifier the configuration asks for. */
export function createVerifier(config: AuthConfig, logger: Logger): TokenVerifier {
  const projectId = config.FIREBASE_PROJECT_ID;
  if (config.AUTH_MODE === 'firebase') {
    return createFirebaseTokenVerifier({
      projectId,
      credential: config.GOOGLE_APPLICATION_CREDENTIALS
        ? { keyFile: config.GOOGLE_APPLICATION_CREDENTIALS }
        : 'application-default',
      checkRevoked: config.FIREBASE_CHECK_REVOKED,
    });
  }
  logger.warn(
    { projectId, emulator: config.FIREBASE_AUTH_EMULATOR_HOST ?? null },
    'AUTH_MODE=local: unsigned emulator tokens are accepted; never expose this to a network',
  );
  return config.FIREBASE_AUTH_EMULATOR_HOST
    ? createEmulatorTokenVerifier({ projectId, emulatorHost: config.FIREBASE_AUTH_EMULATOR_HOST })
    : createLocalTokenVerifier({ projectId });
}

/** A local token, in local auth mode only (the try-it page fills it in). */
export function localTokenFactory(config: AuthConfig): (() => string) | undefined {
  if (config.AUTH_MODE !== 'local') return undefined;
  return () => createEmulatorIdToken({ uid: 'try-it', projectId: config.FIREBASE_PROJECT_ID });
}
