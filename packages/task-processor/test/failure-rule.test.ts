import {
  FakeClassifier,
  InMemoryResultStore,
  newQueuedRecord,
  toVisionqError,
  type Classification,
  type ResultStore,
  type TaskQueue,
} from '@visionq/core';
import {
  ONE_PIXEL_PNG,
  eventually,
  inMemoryTaskQueueHarness,
  taskMessage,
  type TaskQueueHarness,
} from '@visionq/core/testing';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { amqpHarness } from '../../queue-amqp/test/harness.js';
import { createTaskProcessor } from '../src/index.js';

// One rule decides between "try again" and "give up" (`isTransient`): an error nobody foresaw is tried again
// wherever it comes from, until the queue's delivery limit dead-letters the task. These cases pin that the
// store's path and the classifier's path agree, on the in-memory queue and on RabbitMQ.

type Source = 'store' | 'classifier';

/** Unforeseen failures: a plain error, one p-retry treats specially, and one already typed as `internal`. */
const UNFORESEEN: Record<string, () => unknown> = {
  'an Error': () => new Error('unexpected reply'),
  'a TypeError': () => new TypeError('cannot read properties of undefined'),
  'an unknown error typed as internal': () => toVisionqError(new Error('unexpected reply')),
};

interface Delivery {
  deliveryCount: number;
  rejected: boolean;
}

/** The queue as the processor sees it, recording each delivery and whether its handler rejected. */
function observed(queue: TaskQueue, deliveries: Delivery[]): TaskQueue {
  return new Proxy(queue, {
    get(target, property) {
      if (property === 'consume') {
        return ((handler, options) =>
          target.consume(async (task) => {
            const delivery = { deliveryCount: task.deliveryCount, rejected: true };
            deliveries.push(delivery);
            await handler(task);
            delivery.rejected = false;
          }, options)) satisfies TaskQueue['consume'];
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A store whose `complete` always fails with `failure()`. */
function failingStore(real: ResultStore, failure: () => unknown): ResultStore {
  return new Proxy(real, {
    get(target, property) {
      if (property === 'complete') return async () => Promise.reject(failure());
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function runOnce(harness: TaskQueueHarness, source: Source, failure: () => unknown) {
  const real = new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
  const classifier = new FakeClassifier();
  if (source === 'classifier')
    classifier.classify = async (): Promise<Classification[]> => Promise.reject(failure());
  const deliveries: Delivery[] = [];
  const processor = createTaskProcessor({
    queue: observed(await harness.connect(), deliveries),
    store: source === 'store' ? failingStore(real, failure) : real,
    classifier,
    prefetch: 2,
    maxBatch: 1,
    maxDelayMs: 0,
    // Short in-place retries, so that each delivery gives up on a failing store quickly.
    retry: { maxRetryTimeMs: 30, initialDelayMs: 5, maxDelayMs: 10 },
  });
  const producer = await harness.connect();
  const message = taskMessage();
  await real.create(newQueuedRecord(message.taskId, message.owner));
  await producer.publish({ message, image: Uint8Array.from([...ONE_PIXEL_PNG, 1]) });
  await processor.start();
  try {
    await eventually(async () => (await harness.deadLettered()).length === 1, 20_000, 'dead-lettering');
    // The dead letter ends the record, unless the store is what keeps failing.
    if (source === 'classifier')
      await eventually(async () => (await real.get(message.taskId))?.status === 'failed', 10_000, 'the end');
  } finally {
    await processor.stop();
  }
  return {
    deliveries,
    deadLettered: await harness.deadLettered(),
    record: await real.get(message.taskId),
    taskId: message.taskId,
  };
}

const amqp = await probeServer('amqp');

const queues: { name: string; available: boolean; harness: () => Promise<TaskQueueHarness> }[] = [
  {
    name: 'the in-memory queue',
    available: true,
    harness: async () => inMemoryTaskQueueHarness({ deliveryLimit: 3 }),
  },
  { name: 'RabbitMQ', available: amqp.available, harness: () => amqpHarness(amqp.url) },
];

describe.each(queues)('an unforeseen error, on $name', ({ available, harness: createHarness }) => {
  for (const [kind, failure] of Object.entries(UNFORESEEN)) {
    it.skipIf(!available)(
      `from the store or from the classifier (${kind}), is redelivered up to the limit, then dead-lettered`,
      async () => {
        const outcomes = [];
        for (const source of ['store', 'classifier'] as const) {
          const harness = await createHarness();
          try {
            const { deliveries, deadLettered, record, taskId } = await runOnce(harness, source, failure);
            const limit = harness.deliveryLimit;
            // Every delivery failed and went back, the first and each redelivery the limit allows.
            expect(deliveries, source).toEqual(
              Array.from({ length: limit + 1 }, (_, n) => ({ deliveryCount: n + 1, rejected: true })),
            );
            expect(deadLettered, source).toEqual([expect.objectContaining({ taskId })]);
            // Given up on, not answered: the dead-letter feed ends it `processing_failed` where the store lets it.
            if (source === 'classifier')
              expect(record, source).toMatchObject({
                status: 'failed',
                error: { code: 'processing_failed' },
              });
            else expect(record?.status, source).toBe('processing');
            outcomes.push(deliveries.length);
          } finally {
            await harness.cleanup();
          }
        }
        expect(outcomes[0]).toBe(outcomes[1]);
      },
      60_000,
    );
  }
});
