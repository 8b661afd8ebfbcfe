import { InMemoryNotificationOutbox, type NotificationOutbox, type Notifier } from '@visionq/core';
import { createRedisNotificationOutbox, type Redis } from '@visionq/result-store-redis';
import type { NotifySettings } from './config.js';

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
