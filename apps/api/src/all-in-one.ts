// `pnpm start`: the API and a worker in one process. RabbitMQ and Redis where AMQP_URL / REDIS_URL are set,
// in-memory queue and store where not; with nothing set, the embedded default (local auth, bundled model).
import { lowerThreadPoolPriority } from '@visionq/image-preprocess/thread-priority';
import { createOnnxClassifier } from '@visionq/onnx-classifier';
import { createTaskProcessor } from '@visionq/task-processor';
import { createTaskProcessorMetrics, observeTaskProcessor } from '@visionq/task-processor/metrics';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { run, startApi } from './start.js';
import { createInfrastructure } from './wiring.js';

run(async () => {
  // First, before anything uses libuv's pool: decoding must never crowd out the thread that serves HTTP.
  await lowerThreadPoolPriority();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL).child({ app: 'all-in-one' });
  const metrics = createMetrics();
  const processorMetrics = createTaskProcessorMetrics(metrics.registry);
  const infrastructure = await createInfrastructure(config, logger, {
    deadLettered: ({ reason }) => processorMetrics.deadLettered.inc({ reason }),
  });
  const classifier = await createOnnxClassifier({
    modelPath: config.MODEL_PATH,
    workers: config.INFERENCE_WORKERS,
    ...(config.INFERENCE_THREADS > 0 ? { intraOpNumThreads: config.INFERENCE_THREADS } : {}),
    maxBatch: config.WORKER_MAX_BATCH,
    maxPixels: config.MAX_PIXELS,
  });
  const processor = createTaskProcessor({
    queue: infrastructure.queue,
    store: infrastructure.store,
    classifier,
    prefetch: config.WORKER_PREFETCH,
    maxBatch: config.WORKER_MAX_BATCH,
    maxDelayMs: config.WORKER_MAX_DELAY_MS,
    events: observeTaskProcessor(logger, processorMetrics),
  });
  await processor.start();
  logger.info(
    {
      model: { name: classifier.model.name, version: classifier.model.version },
      queue: config.AMQP_URL ? 'rabbitmq' : 'memory',
      store: config.REDIS_URL ? 'redis' : 'memory',
      auth: config.AUTH_MODE,
    },
    'worker started',
  );
  await startApi({
    config,
    logger,
    metrics,
    infrastructure,
    beforeClose: async () => {
      await processor.stop();
      await classifier.close();
    },
  });
});
