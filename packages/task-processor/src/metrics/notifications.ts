import { toVisionqError } from '@visionq/core';
import { Counter, type Registry } from 'prom-client';
import type { NotificationDispatcherEvents } from '../dispatcher.js';
import type { TaskProcessorLogger } from './index.js';

const CHANNELS = ['fcm', 'webhook'] as const;

/** The notification dispatcher's Prometheus metrics, on the caller's registry. */
export function createNotificationMetrics(registry: Registry) {
  const registers = [registry];
  const metrics = {
    notifications: new Counter({
      name: 'visionq_notifications_total',
      help: 'Notifications of ended tasks, by channel and result (sent, failed: refused or out of retries, dropped: task gone)',
      labelNames: ['channel', 'result'],
      registers,
    }),
    tokensDropped: new Counter({
      name: 'visionq_notification_tokens_dropped_total',
      help: 'Device tokens FCM refused for good (unregistered, invalid, another project), by reason',
      labelNames: ['reason'],
      registers,
    }),
    retries: new Counter({
      name: 'visionq_notification_retries_total',
      help: 'Attempts after the first one to deliver a notification, by channel',
      labelNames: ['channel'],
      registers,
    }),
  };
  for (const channel of CHANNELS) {
    for (const result of ['sent', 'failed', 'dropped']) metrics.notifications.inc({ channel, result }, 0);
    metrics.retries.inc({ channel }, 0);
  }
  return metrics;
}

export type NotificationMetrics = ReturnType<typeof createNotificationMetrics>;

/** Logs and counts what the dispatcher does: one line per notification, with its task_id; never the target. */
export function observeNotificationDispatcher(
  logger: TaskProcessorLogger,
  metrics: NotificationMetrics,
): NotificationDispatcherEvents {
  return {
    notified(taskId, status) {
      const result = status.delivered_at ? 'sent' : 'failed';
      metrics.notifications.inc({ channel: status.channel, result });
      metrics.retries.inc({ channel: status.channel }, Math.max(0, status.attempts - 1));
      const fields = { task_id: taskId, channel: status.channel, attempts: status.attempts };
      if (result === 'sent') logger.info(fields, 'notification sent');
      else logger.warn(fields, 'notification failed');
    },
    dropped(taskId, channel) {
      metrics.notifications.inc({ channel, result: 'dropped' });
      logger.info({ task_id: taskId, channel }, 'notification dropped: its task is gone');
    },
    error(error, taskId) {
      logger.warn(
        { ...(taskId && { task_id: taskId }), code: toVisionqError(error).code },
        'notification put off: it will be offered again',
      );
    },
  };
}
