import { InMemoryNotificationOutbox, type NotificationOutbox, type Notifier } from '@visionq/core';
import { WebhookNotifier } from '@visionq/notify-webhook';
import { callbackPolicy } from '@visionq/service-kit';
import { createRedisNotificationOutbox, type Redis } from '@visionq/result-store-redis';
import type { NotifySettings } from './config.js';
import { createFcmNotifier } from './fcm.js';
import type { FcmNotifierEvents } from '@visionq/notify-fcm';

/** What a worker needs to send notifications: the outbox its tasks owe them to, and one notifier per channel. */
export interface NotifyDeps {
  outbox: NotificationOutbox;
  notifiers: readonly Notifier[];
}

/**
 * How long a claimed outbox entry may stay unsettled before another worker takes it over: longer than one
 * notification may be retried, so that a slow receiver is not sent it twice by two workers.
 */
export function outboxIdleMs(config: NotifySettings): number {
  return config.NOTIFY_RETRY_TIME_MS + config.NOTIFY_ATTEMPT_TIMEOUT_MS + 30_000;
}

/** The outbox on Redis (shared by every worker) where there is Redis; in process memory where not. */
export function createOutbox(
  config: NotifySettings & { REDIS_PREFIX: string },
  redis: Redis | undefined,
): NotificationOutbox {
  const options = { idleMs: outboxIdleMs(config), maxLength: config.NOTIFY_OUTBOX_MAX };
  return redis
    ? createRedisNotificationOutbox({ client: redis, keyPrefix: config.REDIS_PREFIX, ...options })
    : new InMemoryNotificationOutbox(options);
}

/**
 * One notifier per channel the configuration turns on: webhooks where `CALLBACK_HOSTS` names a host, FCM with
 * `FCM_ENABLED`.
 */
export function createNotifiers(
  config: NotifySettings & { RESULT_TTL: number },
  events: { fcm?: FcmNotifierEvents } = {},
): Notifier[] {
  const notifiers: Notifier[] = [];
  const retry = { maxRetryTimeMs: config.NOTIFY_RETRY_TIME_MS };
  const attemptTimeoutMs = config.NOTIFY_ATTEMPT_TIMEOUT_MS;
  if (config.CALLBACK_HOSTS?.length && config.WEBHOOK_SECRET)
    notifiers.push(
      new WebhookNotifier({
        secret: config.WEBHOOK_SECRET,
        policy: callbackPolicy(config),
        retry,
        attemptTimeoutMs,
      }),
    );
  if (config.FCM_ENABLED) notifiers.push(createFcmNotifier(config, events.fcm ? { events: events.fcm } : {}));
  return notifiers;
}
