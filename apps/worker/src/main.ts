// `pnpm start:worker`: consumes tasks from RabbitMQ, classifies them in batches, stores results in Redis.
import { toVisionqError } from '@visionq/core';
import { configureSharp, lowerThreadPoolPriority } from '@visionq/image-preprocess';
import { createOnnxClassifier } from '@visionq/onnx-classifier';
import { createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import { createTaskProcessor } from '@visionq/task-processor';
import { pino } from 'pino';
import { loadWorkerConfig } from './config.js';

async function main(): Promise<void> {
  // First, before anything uses libuv's pool: decoding must never starve RabbitMQ and Redis heartbeats.
  await lowerThreadPoolPriority();
  const config = loadWorkerConfig();
  const logger = pino(
    { level: config.LOG_LEVEL, base: { service: 'visionq', app: 'worker' } },
    pino.destination({ dest: 1, sync: false }),
  );
  configureSharp({ cache: false });
  const redis = createRedisClient(config.REDIS_URL);
  redis.on('error', (error: Error) =>
    logger.warn({ err: { message: error.message } }, 'redis connection error'),
  );
  const store = createRedisResultStore({
    client: redis,
    keyPrefix: config.REDIS_PREFIX,
    resultTtlMs: config.RESULT_TTL * 1000,
    pendingTtlMs: config.PENDING_TTL * 1000,
  });
  const queue = await createAmqpTaskQueue({ url: config.AMQP_URL, queue: config.AMQP_QUEUE, logger });
  const classifier = await createOnnxClassifier({
    modelPath: config.MODEL_PATH,
    workers: config.INFERENCE_WORKERS,
    ...(config.INFERENCE_THREADS > 0 ? { intraOpNumThreads: config.INFERENCE_THREADS } : {}),
    maxBatch: config.WORKER_MAX_BATCH,
    maxPixels: config.MAX_PIXELS,
  });
  const processor = createTaskProcessor({
    queue,
    store,
    classifier,
    prefetch: config.WORKER_PREFETCH,
    maxBatch: config.WORKER_MAX_BATCH,
    maxDelayMs: config.WORKER_MAX_DELAY_MS,
    stopGraceMs: config.SHUTDOWN_TIMEOUT_MS,
    events: {
      taskEnded: (record, { durationMs, deliveryCount }) =>
        logger.info(
          {
            task_id: record.task_id,
            status: record.status,
            duration_ms: Math.round(durationMs),
            delivery: deliveryCount,
          },
          'task ended',
        ),
      taskError: (taskId, error) => {
        const typed = toVisionqError(error);
        logger.warn(
          { task_id: taskId, code: typed.code, transient: typed.transient },
          'task handed back to the queue',
        );
      },
    },
  });
  await processor.start();
  logger.info(
    { model: classifier.model.name, version: classifier.model.version, pid: process.pid },
    'worker started',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await processor.stop();
    await Promise.allSettled([queue.close(), store.close(), classifier.close()]);
    redis.disconnect();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`visionq worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
