import { toVisionqError } from '@visionq/core';
import type { TaskProcessorEvents } from '@visionq/task-processor';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics.js';

/** Logs and counts what the worker loop does: one line per ended task, with its task_id. */
export function observeProcessor(logger: Logger, metrics: WorkerMetrics): TaskProcessorEvents {
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
