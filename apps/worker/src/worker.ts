import { configureSharp } from '@visionq/image-preprocess';
import { createOnnxClassifier } from '@visionq/onnx-classifier';
import { createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import { createTaskProcessor } from '@visionq/task-processor';
import { observeTaskProcessor } from '@visionq/task-processor/metrics';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.js';
import { createWorkerMetrics } from './metrics.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';

export interface RunningWorker {
  /** Where Prometheus scrapes this worker; `undefined` when `WORKER_METRICS_PORT` is 0. */
  readonly metricsUrl: string | undefined;
  /** Stops taking tasks, finishes those in hand (up to `SHUTDOWN_TIMEOUT_MS`), then closes everything. */
  stop(): Promise<void>;
}

/** Wires the worker from its configuration and starts consuming. Whatever it opened is closed if it fails. */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<RunningWorker> {
  configureSharp({
    cache: false,
    ...(config.SHARP_CONCURRENCY > 0 ? { concurrency: config.SHARP_CONCURRENCY } : {}),
  });
  const metrics = createWorkerMetrics({
    onCollectError: (error) =>
      logger.debug(
        { err: { message: error instanceof Error ? error.message : String(error) } },
        'dead-letter queue depth unavailable for this scrape',
      ),
  });
  const closers: (() => Promise<unknown> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
  };
  try {
    // First: a taken port is a configuration error, better reported before connecting to anything.
    const server = config.WORKER_METRICS_PORT > 0 ? await listen(metrics.registry, config) : undefined;
    if (server) closers.push(() => server.close());
    const redis = createRedisClient(config.REDIS_URL);
    redis.on('error', (error: Error) =>
      logger.warn({ err: { message: error.message } }, 'redis connection error'),
    );
    closers.push(() => redis.disconnect());
    const store = createRedisResultStore({
      client: redis,
      keyPrefix: config.REDIS_PREFIX,
      resultTtlMs: config.RESULT_TTL * 1000,
      pendingTtlMs: config.PENDING_TTL * 1000,
    });
    closers.push(() => store.close());
    const queue = await createAmqpTaskQueue({
      url: config.AMQP_URL,
      queue: config.AMQP_QUEUE,
      logger,
      events: metrics.queueEvents,
    });
    closers.push(() => queue.close());
    metrics.watchDeadLetters({ queue: queue.deadLetterQueue, count: () => queue.deadLetterCount() });
    const classifier = await createOnnxClassifier({
      modelPath: config.MODEL_PATH,
      workers: config.INFERENCE_WORKERS,
      ...(config.INFERENCE_THREADS > 0 ? { intraOpNumThreads: config.INFERENCE_THREADS } : {}),
      maxBatch: config.WORKER_MAX_BATCH,
      maxPixels: config.MAX_PIXELS,
    });
    closers.push(() => classifier.close());
    const processor = createTaskProcessor({
      queue,
      store,
      classifier,
      prefetch: config.WORKER_PREFETCH,
      maxBatch: config.WORKER_MAX_BATCH,
      maxDelayMs: config.WORKER_MAX_DELAY_MS,
      stopGraceMs: config.SHUTDOWN_TIMEOUT_MS,
      events: observeTaskProcessor(logger, metrics.processor),
    });
    await processor.start();
    logger.info(
      {
        model: classifier.model.name,
        version: classifier.model.version,
        pid: process.pid,
        metrics: server?.url ?? 'off',
      },
      'worker started',
    );
    let stopping: Promise<void> | undefined;
    return {
      metricsUrl: server?.url,
      stop: () =>
        (stopping ??= (async () => {
          await processor.stop();
          // In reverse order of opening: the metrics server last, so that a final scrape still sees the counts.
          await closeAll();
        })()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function listen(
  registry: Parameters<typeof serveMetrics>[0],
  config: WorkerConfig,
): Promise<MetricsServer> {
  const where = `${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}`;
  try {
    return await serveMetrics(registry, {
      host: config.WORKER_METRICS_HOST,
      port: config.WORKER_METRICS_PORT,
    });
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new Error(
      `cannot serve metrics on ${where}${typeof code === 'string' ? ` (${code})` : ''}: set WORKER_METRICS_PORT to a free port, or 0 to turn metrics off`,
      { cause },
    );
  }
}
