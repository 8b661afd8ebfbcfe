import { toVisionqError, type ModelRef } from '@visionq/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TaskProcessorEvents } from '../processor.js';

/** Why a queue adapter dead-lettered a delivery itself (as `@visionq/queue-amqp` reports it). */
export const DEAD_LETTER_REASONS = ['schema_version', 'schema', 'empty_body', 'permanent_error'] as const;

/**
 * The worker loop's Prometheus metrics, on the caller's registry: the same names wherever a processor runs (a
 * worker process, the all-in-one), so one dashboard covers both.
 */
export function createTaskProcessorMetrics(registry: Registry) {
  const registers = [registry];
  const metrics = {
    modelInfo: new Gauge({
      name: 'visionq_model_info',
      help: 'The model this process classifies with (always 1), by name and version',
      labelNames: ['name', 'version'],
      registers,
    }),
    tasksEnded: new Counter({
      name: 'visionq_tasks_ended_total',
      help: 'Tasks ended by this process, by status (succeeded, failed)',
      labelNames: ['status'],
      registers,
    }),
    taskDuration: new Histogram({
      name: 'visionq_task_duration_seconds',
      help: 'From delivery to the stored result, by status (decoding, waiting for a batch and inference included)',
      labelNames: ['status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    batchSize: new Histogram({
      name: 'visionq_inference_batch_size',
      help: 'Images per inference batch',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'visionq_inference_batch_duration_seconds',
      help: 'Time to classify one batch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    taskErrors: new Counter({
      name: 'visionq_task_errors_total',
      help: 'Deliveries handed back to the queue (retried or dead-lettered), by error code',
      labelNames: ['code'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'visionq_queue_dead_lettered_total',
      help: 'Deliveries this consumer dead-lettered, by reason (poison messages, permanent handler errors)',
      labelNames: ['reason'],
      registers,
    }),
  };
  // Every reason and status from the start, so that a rate() sees the first one and a dashboard shows zeros.
  for (const reason of DEAD_LETTER_REASONS) metrics.deadLettered.inc({ reason }, 0);
  for (const status of ['succeeded', 'failed', 'cancelled']) metrics.tasksEnded.inc({ status }, 0);
  return metrics;
}

export type TaskProcessorMetrics = ReturnType<typeof createTaskProcessorMetrics>;

/** Once the classifier is loaded: `visionq_model_info{name,version}` is 1 for its model, the only series. */
export function recordModel(metrics: TaskProcessorMetrics, model: ModelRef): void {
  metrics.modelInfo.reset();
  metrics.modelInfo.set({ name: model.name, version: model.version }, 1);
}

/** Where the observer writes: pino fits as it is. */
export interface TaskProcessorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Logs and counts what the worker loop does: one line per ended task, with its task_id; never image bytes. */
export function observeTaskProcessor(
  logger: TaskProcessorLogger,
  metrics: TaskProcessorMetrics,
): TaskProcessorEvents {
  return {
    taskEnded(record, { durationMs, deliveryCount }) {
      metrics.tasksEnded.inc({ status: record.status });
      metrics.taskDuration.observe({ status: record.status }, durationMs / 1000);
      logger.info(
        {
          task_id: record.task_id,
          status: record.status,
          duration_ms: Math.round(durationMs),
          delivery: deliveryCount,
        },
        'task ended',
      );
    },
    batchClassified(size, durationMs) {
      metrics.batchSize.observe(size);
      metrics.batchDuration.observe(durationMs / 1000);
    },
    deadLetterEnded(record) {
      const code = record.status === 'failed' ? record.error.code : undefined;
      if (code === 'processing_failed') metrics.tasksEnded.inc({ status: record.status });
      logger.warn(
        { task_id: record.task_id, status: record.status, ...(code && { code }) },
        'dead-lettered task ended',
      );
    },
    notificationLost(taskId, error) {
      logger.warn(
        { task_id: taskId, code: toVisionqError(error).code },
        'notification lost: the outbox refused its entry',
      );
    },
    taskError(taskId, error) {
      const typed = toVisionqError(error);
      metrics.taskErrors.inc({ code: typed.code });
      logger.warn(
        { task_id: taskId, code: typed.code, transient: typed.transient },
        'task handed back to the queue',
      );
    },
  };
}

export {
  createNotificationMetrics,
  observeNotificationDispatcher,
  type NotificationMetrics,
} from './notifications.js';
