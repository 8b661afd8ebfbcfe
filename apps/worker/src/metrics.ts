import type { AmqpTaskQueueEvents } from '@visionq/queue-amqp';
import { createNotificationMetrics, createTaskProcessorMetrics } from '@visionq/task-processor/metrics';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Where the dead-letter queue's depth comes from, asked at each scrape. */
export interface DeadLetterSource {
  readonly queue: string;
  count(): Promise<number>;
}

/**
 * What a worker counts, on its own registry: Node's defaults, the worker loop's metrics (the same as an
 * all-in-one process's, from `@visionq/task-processor/metrics`) and the dead-letter queue's depth.
 */
export function createWorkerMetrics(options: { onCollectError?: (error: unknown) => void } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const processor = createTaskProcessorMetrics(registry);
  const notifications = createNotificationMetrics(registry);
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
  const queueEvents: AmqpTaskQueueEvents = {
    deadLettered: ({ reason }) => processor.deadLettered.inc({ reason }),
  };
  return {
    registry,
    processor,
    notifications,
    /** For `createAmqpTaskQueue({ events })`. */
    queueEvents,
    /** Reads the dead-letter queue's depth at each scrape from now on. */
    watchDeadLetters(source: DeadLetterSource): void {
      deadLetterSource = source;
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
