import { inMemoryTaskQueueHarness, type TaskQueueHarness } from '@visionq/core/testing';
import { probeServer } from '@visionq/test-support/servers';
import { it } from 'vitest';
import { amqpHarness } from '../../../queue-amqp/test/harness.js';

const amqp = await probeServer('amqp');

/** The queues a processor test runs on: the in-memory one, and RabbitMQ where it is reachable. */
export const queues = [
  { name: 'the in-memory queue', available: true, harness: async () => inMemoryTaskQueueHarness() },
  { name: 'RabbitMQ', available: amqp.available, harness: () => amqpHarness(amqp.url) },
];

/** A test on a fresh harness of one of `queues`, cleaned up afterwards (skipped where it is unavailable). */
export function testOn({ available, harness: createHarness }: (typeof queues)[number]) {
  return (name: string, body: (h: TaskQueueHarness) => Promise<void>) =>
    it.skipIf(!available)(
      name,
      async () => {
        const harness = await createHarness();
        try {
          await body(harness);
        } finally {
          await harness.cleanup();
        }
      },
      60_000,
    );
}
