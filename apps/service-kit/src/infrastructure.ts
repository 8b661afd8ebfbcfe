import { InMemoryResultStore, InMemoryTaskQueue, type ResultStore, type TaskQueue } from '@visionq/core';
import { BufferPool } from '@visionq/core/buffer-pool';
import { createAmqpTaskQueue, type AmqpTaskQueue, type AmqpTaskQueueEvents } from '@visionq/queue-amqp';
import {
  createRedisClient,
  createRedisResultStore,
  createRedisSentinelClient,
  sentinelDataOptions,
  type Redis,
} from '@visionq/result-store-redis';
import type { Logger } from 'pino';
import type { BrokerEnv } from './env.js';

/** Free upload buffers kept for reuse: a dozen phone photos; in-flight ones are not counted (docs/decisions.md). */
const UPLOAD_POOL_FREE_BYTES = 64 * 1024 * 1024;

export interface Infrastructure {
  queue: TaskQueue;
  /** The RabbitMQ queue, when there is RabbitMQ (a worker reads its dead-letter depth). */
  amqp?: AmqpTaskQueue;
  /** Uploads are read into these buffers, and reused once queued (or, in memory, once their task ended). */
  uploads: BufferPool;
  store: ResultStore;
  /** The shared Redis client, when there is Redis (the rate limiter uses it too). */
  redis?: Redis;
  close(): Promise<void>;
}

/** RabbitMQ and Redis where configured, the in-memory queue and store where not (the embedded mode). */
export async function createInfrastructure(
  config: BrokerEnv,
  logger: Logger,
  /** What the queue's consumer reports (a worker consumes; an API alone does not). */
  queueEvents: AmqpTaskQueueEvents = {},
): Promise<Infrastructure> {
  const redis = redisClient(config);
  redis?.on('error', (error: Error) =>
    logger.warn({ err: { message: error.message } }, 'redis connection error'),
  );
  const ttls = {
    resultTtlMs: config.RESULT_TTL * 1000,
    pendingTtlMs: config.PENDING_TTL * 1000,
    taskDeadlineMs: config.TASK_DEADLINE * 1000,
  };
  const store = redis
    ? createRedisResultStore({ client: redis, keyPrefix: config.REDIS_PREFIX, ...ttls })
    : new InMemoryResultStore(ttls);
  const uploads = new BufferPool({ maxFreeBytes: UPLOAD_POOL_FREE_BYTES });
  let amqp: AmqpTaskQueue | undefined;
  try {
    amqp = config.AMQP_URL
      ? await createAmqpTaskQueue({
          url: config.AMQP_URL,
          queue: config.AMQP_QUEUE,
          logger,
          events: queueEvents,
        })
      : undefined;
  } catch (error) {
    await store.close().catch(() => undefined);
    redis?.disconnect();
    throw error;
  }
  const queue =
    amqp ??
    // The API never touches an upload once it is queued, so the queue keeps the upload's own buffer, and
    // gives it back to the pool once the task ended.
    new InMemoryTaskQueue({
      queue: config.AMQP_QUEUE,
      copyImages: false,
      imageHolder: uploads,
      maxLength: config.MAX_QUEUED_TASKS,
    });
  return {
    queue,
    amqp,
    uploads,
    store,
    redis,
    async close() {
      await Promise.allSettled([queue.close(), store.close()]);
      redis?.disconnect();
    },
  };
}

/** Straight to REDIS_URL, or through REDIS_SENTINELS (REDIS_URL then only gives credentials and TLS). */
function redisClient(config: BrokerEnv): Redis | undefined {
  if (config.REDIS_SENTINELS) {
    const data = config.REDIS_URL ? sentinelDataOptions(config.REDIS_URL) : {};
    return createRedisSentinelClient(config.REDIS_SENTINELS, config.REDIS_SENTINEL_NAME, data);
  }
  return config.REDIS_URL ? createRedisClient(config.REDIS_URL) : undefined;
}
