import { randomUUID } from 'node:crypto';
import { cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { writeServiceAccountKey } from '@visionq/test-support/google';
import { FcmNotifier, type FcmNotifierOptions } from '../../src/index.js';
import { FcmStandIn } from './fcm-stand-in.js';

export const PROJECT_ID = 'visionq-test';

/**
 * The tests' retry time and attempt timeout: short, but with room for a first attempt's OAuth2 exchange on a
 * busy machine, as an attempt that times out while its request is still on its way makes a second request.
 */
export const RETRY_TIME_MS = 5_000;
export const ATTEMPT_TIMEOUT_MS = 2_000;

/**
 * An FCM stand-in, a service-account key file its OAuth2 endpoint trusts, and a firebase-admin app made from
 * them as the apps make theirs, whose every request goes to the stand-in.
 */
export async function startFcm() {
  const standIn = await FcmStandIn.start();
  const serviceAccount = writeServiceAccountKey(PROJECT_ID);
  standIn.serviceAccountPublicKeyPem = serviceAccount.publicKeyPem;
  const app = initializeApp(
    {
      projectId: PROJECT_ID,
      credential: cert(serviceAccount.keyFile, standIn.agent),
      httpAgent: standIn.agent,
    },
    `visionq-fcm-test-${randomUUID()}`,
  );
  const notifiers: FcmNotifier[] = [];
  return {
    standIn,
    app,
    /** The service account's key file, which the stand-in's OAuth2 endpoint trusts. */
    keyFile: serviceAccount.keyFile,
    notifier(options: Partial<FcmNotifierOptions> = {}) {
      const notifier = new FcmNotifier({
        app,
        retry: { maxRetryTimeMs: RETRY_TIME_MS, initialDelayMs: 50, maxDelayMs: 400 },
        attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
        ...options,
      });
      notifiers.push(notifier);
      return notifier;
    },
    async stop() {
      await Promise.all(notifiers.map((notifier) => notifier.close()));
      await deleteApp(app);
      await standIn.close();
      serviceAccount.remove();
    },
  };
}

export type Fcm = Awaited<ReturnType<typeof startFcm>>;
