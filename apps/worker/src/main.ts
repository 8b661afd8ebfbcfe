// `pnpm start:worker`: consumes tasks from RabbitMQ, classifies them in batches, stores results in Redis, and
// serves its metrics for Prometheus.
import { lowerThreadPoolPriority } from '@visionq/image-preprocess/thread-priority';
import { createLogger, run, stopOnSignal } from '@visionq/service-kit';
import { loadWorkerConfig } from './config.js';
import { runWorker } from './worker.js';

run(async () => {
  // First, before anything uses libuv's pool: decoding must never starve RabbitMQ and Redis heartbeats.
  await lowerThreadPoolPriority();
  const config = loadWorkerConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const worker = await runWorker(config, logger);
  stopOnSignal(logger, () => worker.stop());
}, 'worker');
