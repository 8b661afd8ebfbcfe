import { createInfrastructure, serveConfiguredMetrics } from '@visionq/service-kit';
import type { Logger } from 'pino';
import type { Notifier } from '@visionq/core';
import type { WorkerConfig } from './config.js';
import { createWorkerMetrics } from './metrics.js';
import { observeFcm } from './fcm.js';
import { createNotifiers, createOutbox } from './notify.js';

import { startWorker } from './start.js';

export interface RunningWorker {
  /** Where Prometheus scrapes this worker; `undefined` when `WORKER_METRICS_PORT` is 0. */
  readonly metricsUrl: string | undefined;
  /** Stops taking tasks, finishes those in hand (up to `SHUTDOWN_TIMEOUT_MS`), then closes everything. */
  stop(): Promise<void>;
}

/**
 * A separate worker, as `pnpm start:worker` runs it: its metrics server, RabbitMQ and Redis, then `startWorker`.
 * Whatever it opened is closed if it fails.
 */
export async function runWorker(
  config: WorkerConfig,
  logger: Logger,
  options: { notifiers?: readonly Notifier[] } = {},
): Promise<RunningWorker> {
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
    const server = await serveConfiguredMetrics(metrics.registry, {
      host: config.WORKER_METRICS_HOST,
      port: config.WORKER_METRICS_PORT,
      portVariable: 'WORKER_METRICS_PORT',
    });
    if (server) closers.push(() => server.close());
    const infrastructure = await createInfrastructure(config, logger, metrics.queueEvents);
    closers.push(() => infrastructure.close());
    const amqp = infrastructure.amqp;
    if (amqp) metrics.watchDeadLetters({ queue: amqp.deadLetterQueue, count: () => amqp.deadLetterCount() });
    const outbox = createOutbox(config, infrastructure.redis);
    closers.push(() => outbox.close());
    const notifiers =
      options.notifiers ?? createNotifiers(config, { fcm: observeFcm(logger, metrics.notifications) });
    closers.push(() => Promise.all(notifiers.map((notifier) => notifier.close())));
    const worker = await startWorker({
      config,
      logger,
      queue: infrastructure.queue,
      store: infrastructure.store,
      metrics: metrics.processor,
      notify: { outbox, notifiers, metrics: metrics.notifications },
    });
    closers.push(() => worker.stop());
    logger.info(
      {
        model: worker.model.name,
        version: worker.model.version,
        pid: process.pid,
        metrics: server?.url ?? 'off',
      },
      'worker started',
    );
    let stopping: Promise<void> | undefined;
    return {
      metricsUrl: server?.url,
      // In reverse order of opening: the metrics server last, so that a final scrape still sees the counts.
      stop: () => (stopping ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
