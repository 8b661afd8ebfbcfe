import type { AmqpTaskQueueEvents, DeadLetterReason } from '@visionq/queue-amqp';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = [
  'schema_version',
  'schema',
  'empty_body',
  'permanent_error',
];

/** Where the dead-letter queue's depth comes from, asked at each scrape. */
export interface DeadLetterSource {
  readonly queue: string;
  count(): Promise<number>;
}

/**
 * What a worker counts, on its own registry. Names and labels match the API's (`apps/api/src/metrics.ts`), so
 * one dashboard sums the all-in-one and separate workers alike.
 */
export function createWorkerMetrics(options: { onCollectError?: (error: unknown) => void } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const tasksEnded = new Counter({
    name: 'visionq_tasks_ended_total',
    help: 'Tasks ended by this process, by status (succeeded, failed)',
    labelNames: ['status'],
    registers: [registry],
  });
  const taskDuration = new Histogram({
    name: 'visionq_task_duration_seconds',
    help: 'From delivery to the stored result, by status (decoding, waiting for a batch and inference included)',
    labelNames: ['status'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'visionq_inference_batch_size',
    help: 'Images per inference batch',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'visionq_inference_batch_duration_seconds',
    help: 'Time to classify one batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const taskErrors = new Counter({
    name: 'visionq_task_errors_total',
    help: 'Deliveries handed back to the queue (retried or dead-lettered), by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'visionq_queue_dead_lettered_total',
    help: 'Deliveries this consumer dead-lettered, by reason (poison messages, permanent handler errors)',
    labelNames: ['reason'],
    registers: [registry],
  });
  let deadLetterSource: DeadLetterSource | undefined;
  new Gauge({
    name: 'visionq_queue_dead_letter_messages',
    help: 'Messages waiting in the dead-letter queue, whoever dead-lettered them (read from RabbitMQ at scrape)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      // No value is better than a stale or made-up one: an unreadable depth leaves the series out of the scrape.
      this.reset();
      if (!deadLetterSource) return;
      try {
        this.set({ queue: deadLetterSource.queue }, await deadLetterSource.count());
      } catch (error) {
        options.onCollectError?.(error);
      }
    },
  });
  // Every reason and status from the start, so that a rate() sees the first one and a dashboard shows zeros.
  for (const reason of DEAD_LETTER_REASONS) deadLettered.inc({ reason }, 0);
  for (const status of ['succeeded', 'failed']) tasksEnded.inc({ status }, 0);

  const queueEvents: AmqpTaskQueueEvents = {
    deadLettered: ({ reason }) => deadLettered.inc({ reason }),
  };
  return {
    registry,
    tasksEnded,
    taskDuration,
    batchSize,
    batchDuration,
    taskErrors,
    deadLettered,
    /** For `createAmqpTaskQueue({ events })`. */
    queueEvents,
    /** Reads the dead-letter queue's depth at each scrape from now on. */
    watchDeadLetters(source: DeadLetterSource): void {
      deadLetterSource = source;
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
