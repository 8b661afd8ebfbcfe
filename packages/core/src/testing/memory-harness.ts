import { InMemoryBroker, InMemoryTaskQueue } from '../memory/task-queue.js';
import type { TaskQueueHarness } from './task-queue.js';

/**
 * A `TaskQueueHarness` on a broker of its own: the in-memory double, for suites that run the same cases on it
 * and on a real broker.
 */
export function inMemoryTaskQueueHarness(
  options: { deliveryLimit?: number; maxLength?: number } = {},
): TaskQueueHarness {
  const broker = new InMemoryBroker();
  const clients: InMemoryTaskQueue[] = [];
  const queue = 'visionq.tasks';
  const deliveryLimit = options.deliveryLimit ?? 3;
  const { maxLength } = options;
  return {
    deliveryLimit,
    connect: async () => {
      const client = new InMemoryTaskQueue({
        broker,
        queue,
        deliveryLimit,
        ...(maxLength !== undefined && { maxLength }),
      });
      clients.push(client);
      return client;
    },
    crash: async (client) => (client as InMemoryTaskQueue).crash(),
    deadLettered: async () => broker.deadLettered(queue),
    publishRaw: async (message, image) => broker.publishRaw(queue, message, image),
    cleanup: async () => {
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}
