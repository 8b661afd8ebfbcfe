// `pnpm start:worker`: consumes tasks from RabbitMQ, classifies them in batches, stores results in Redis, and
// serves its metrics for Prometheus.
import { lowerThreadPoolPriority } from '@visionq/image-preprocess/thread-priority';
import { pino } from 'pino';
import { loadWorkerConfig } from './config.js';
import { startWorker } from './worker.js';

async function main(): Promise<void> {
  // First, before anything uses libuv's pool: decoding must never starve RabbitMQ and Redis heartbeats.
  await lowerThreadPoolPriority();
  const config = loadWorkerConfig();
  const logger = pino(
    { level: config.LOG_LEVEL, base: { service: 'visionq', app: 'worker' } },
    pino.destination({ dest: 1, sync: false }),
  );
  const worker = await startWorker(config, logger);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await worker.stop();
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
