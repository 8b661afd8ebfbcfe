import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Agent } from 'node:http';
import { repoPath } from '@visionq/service-kit';
import { FcmNotifier, type FcmNotifierEvents } from '@visionq/notify-fcm';
import type { NotificationMetrics } from '@visionq/task-processor/metrics';
import type { Logger } from 'pino';
import type { Notifier } from '@visionq/core';
import { applicationDefault, cert, deleteApp, initializeApp } from 'firebase-admin/app';

export interface FcmSettings {
  FIREBASE_PROJECT_ID?: string;
  GOOGLE_APPLICATION_CREDENTIALS?: string;
  NOTIFY_RETRY_TIME_MS: number;
  NOTIFY_ATTEMPT_TIMEOUT_MS: number;
  /** Seconds a result is kept: a message about it is worth delivering no longer. */
  RESULT_TTL: number;
}

/**
 * The FCM notifier, on a firebase-admin app of its own with the project and credentials the API's
 * authentication uses (`GOOGLE_APPLICATION_CREDENTIALS`, else `secrets/firebase-key.json`, else the
 * application-default credentials). Closing it deletes the app. `httpAgent` is for tests (stand-ins).
 */
export function createFcmNotifier(
  config: FcmSettings,
  options: { events?: FcmNotifierEvents; httpAgent?: Agent } = {},
): Notifier {
  const { httpAgent, events } = options;
  const defaultKey = repoPath('secrets/firebase-key.json');
  const keyFile = config.GOOGLE_APPLICATION_CREDENTIALS ?? (existsSync(defaultKey) ? defaultKey : undefined);
  const app = initializeApp(
    {
      credential: keyFile ? cert(keyFile, httpAgent) : applicationDefault(httpAgent),
      ...(config.FIREBASE_PROJECT_ID && { projectId: config.FIREBASE_PROJECT_ID }),
      ...(httpAgent && { httpAgent }),
    },
    `visionq-fcm-${randomUUID()}`,
  );
  const notifier = new FcmNotifier({
    app,
    retry: { maxRetryTimeMs: config.NOTIFY_RETRY_TIME_MS },
    attemptTimeoutMs: config.NOTIFY_ATTEMPT_TIMEOUT_MS,
    messageTtlMs: config.RESULT_TTL * 1000,
    ...(events && { events }),
  });
  return {
    channel: notifier.channel,
    notify: (notification, options) => notifier.notify(notification, options),
    close: async () => {
      await notifier.close();
      await deleteApp(app).catch(() => undefined);
    },
  };
}

/** A token FCM refused for good is logged (never the token) and counted; the app forgets it with the task. */
export function observeFcm(logger: Pick<Logger, 'warn'>, metrics: NotificationMetrics): FcmNotifierEvents {
  return {
    tokenDropped({ taskId, reason }) {
      metrics.tokensDropped.inc({ reason });
      logger.warn({ task_id: taskId, reason }, 'device token dropped: FCM refused it for good');
    },
  };
}
