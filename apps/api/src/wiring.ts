import { BufferPool } from '@visionq/core/buffer-pool';
import {
  InMemoryResultStore,
  InMemoryTaskQueue,
  type ResultStore,
  type TaskQueue,
  type TokenVerifier,
} from '@visionq/core';
import {
  createEmulatorTokenVerifier,
  createFirebaseTokenVerifier,
  createLocalTokenVerifier,
  createEmulatorIdToken,
} from '@visionq/auth-firebase';
import { createAmqpTaskQueue, type AmqpTaskQueueEvents } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/** The token verifier the configuration asks for. */
export function createVerifier(config: Config, logger: Logger): TokenVerifier {
  const projectId = config.FIREBASE_PROJECT_ID;
  if (config.AUTH_MODE === 'firebase') {
    return createFirebaseTokenVerifier({
      projectId,
      credential: config.GOOGLE_APPLICATION_CREDENTIALS
        ? { keyFile: config.GOOGLE_APPLICATION_CREDENTIALS }
        : 'application-default',
      checkRevoked: config.FIREBASE_CHECK_REVOKED,
    });
  }
  logger.warn(
    { projectId, emulator: config.FIREBASE_AUTH_EMULATOR_HOST ?? null },
    'AUTH_MODE=local: unsigned emulator tokens are accepted; never expose this to a network',
  );
  return config.FIREBASE_AUTH_EMULATOR_HOST
    ? createEmulatorTokenVerifier({ projectId, emulatorHost: config.FIREBASE_AUTH_EMULATOR_HOST })
    : createLocalTokenVerifier({ projectId });
}

/** A local token for `uid`, in local auth mode only (the try-it page fills it in). */
export function localTokenFactory(config: Config): (() => string) | undefined {
  if (config.AUTH_MODE !== 'local') return undefined;
  return () => createEmulatorIdToken({ uid: 'try-it', projectId: config.FIREBASE_PROJECT_ID });
}

/** Free upload buffers kept for reuse: a dozen phone photos; in-flight ones are not counted (docs/decisions.md). */
const UPLOAD_POOL_FREE_BYTES = 64 * 1024 * 1024;

export interface Infrastructure {
  queue: TaskQueue;
  /** Uploads are read into these buffers, and reused once queued (or, in memory, once their task ended). */
  uploads: BufferPool;
  store: ResultStore;
  /** The shared Redis client, when there is Redis (the rate limiter uses it too). */
  redis?: ReturnType<typeof createRedisClient>;
  close(): Promise<void>;
}

/** RabbitMQ and Redis where configured, in-memory queue and store where not (all-in-one mode only). */
export async function createInfrastructure(
  config: Config,
  logger: Logger,
  /** What the queue's consumer reports (an all-in-one process consumes; an API alone does not). */
  queueEvents: AmqpTaskQueueEvents = {},
): Promise<Infrastructure> {
  const redis = config.REDIS_URL ? createRedisClient(config.REDIS_URL) : undefined;
  redis?.on('error', (error: Error) =>
    logger.warn({ err: { message: error.message } }, 'redis connection error'),
  );
  const store = redis
    ? createRedisResultStore({
        client: redis,
        keyPrefix: config.REDIS_PREFIX,
        resultTtlMs: config.RESULT_TTL * 1000,
        pendingTtlMs: config.PENDING_TTL * 1000,
      })
    : new InMemoryResultStore({
        resultTtlMs: config.RESULT_TTL * 1000,
        pendingTtlMs: config.PENDING_TTL * 1000,
      });
  const uploads = new BufferPool({ maxFreeBytes: UPLOAD_POOL_FREE_BYTES });
  const queue = config.AMQP_URL
    ? await createAmqpTaskQueue({
        url: config.AMQP_URL,
        queue: config.AMQP_QUEUE,
        logger,
        events: queueEvents,
      })
    : // The API never touches an upload once it is queued, so the queue keeps the upload's own buffer, and
      // gives it back to the pool once the task ended.
      new InMemoryTaskQueue({ queue: config.AMQP_QUEUE, copyImages: false, imageHolder: uploads });
  return {
    queue,
    uploads,
    store,
    redis,
    async close() {
      await Promise.allSettled([queue.close(), store.close()]);
      redis?.disconnect();
    },
  };
}
