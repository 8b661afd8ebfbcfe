import { randomUUID } from 'node:crypto';
import {
  TASK_MESSAGE_SCHEMA_VERSION,
  newQueuedRecord,
  type ImageType,
  type TaskMessage,
} from '@visionq/core';
import type { createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, type createRedisResultStore } from '@visionq/result-store-redis';
import { removeQueueTopology } from '@visionq/test-support/amqp';
import type { ServerProbe } from '@visionq/test-support/servers';
import { loadWorkerConfig } from '../../src/config.js';
export { freePort } from '@visionq/test-support/servers';

/** A queue and key prefix of the test's own, removed afterwards. */
export function isolated(servers: { amqp: ServerProbe; redis: ServerProbe }, env: Record<string, string>) {
  const { amqp, redis } = servers;
  const run = `test-worker-${randomUUID()}`;
  const config = loadWorkerConfig({
    AMQP_URL: amqp.url,
    REDIS_URL: redis.url,
    AMQP_QUEUE: `visionq.${run}`,
    REDIS_PREFIX: `visionq:${run}:`,
    INFERENCE_THREADS: '1',
    ...env,
  });
  const cleanup = async () => {
    await removeQueueTopology(amqp.url, config.AMQP_QUEUE);
    const client = createRedisClient(redis.url, { enableOfflineQueue: true });
    const keys = await client.keys(`${config.REDIS_PREFIX}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  };
  return { config, cleanup };
}

/** Submits a task as the API does: its record first, then the image on the queue. */
export function submitter(
  store: ReturnType<typeof createRedisResultStore>,
  producer: Awaited<ReturnType<typeof createAmqpTaskQueue>>,
) {
  return async (image: Uint8Array, contentType: ImageType, more: Partial<TaskMessage> = {}) => {
    const record = newQueuedRecord(randomUUID(), 'alice');
    await store.create(record);
    await producer.publish({
      message: {
        taskId: record.task_id,
        owner: 'alice',
        contentType,
        timestamp: Date.now(),
        schemaVersion: TASK_MESSAGE_SCHEMA_VERSION,
        ...more,
      },
      image,
    });
    return record.task_id;
  };
}
