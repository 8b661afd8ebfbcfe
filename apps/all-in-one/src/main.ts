// `pnpm start`: the API and a worker side by side in one process. RabbitMQ and Redis where AMQP_URL / REDIS_URL
// are set, the in-memory queue and store where not; with nothing set, the embedded default (local auth, bundled
// model).
import { createMetrics, servingLine, startApi } from '@visionq/api';
import { lowerThreadPoolPriority } from '@visionq/image-preprocess/thread-priority';
import { createInfrastructure, createLogger, run, stdout, stopOnSignal } from '@visionq/service-kit';
import { createNotificationMetrics, createTaskProcessorMetrics } from '@visionq/task-processor/metrics';
import { createNotifiers, createOutbox, observeFcm, startWorker } from '@visionq/worker';
import { loadAllInOneConfig } from './config.js';

run(async () => {
  // First, before anything uses libuv's pool: decoding must never crowd out the thread that serves HTTP.
  await lowerThreadPoolPriority();
  const config = loadAllInOneConfig(process.env);
  const out = stdout(config.LOG_FORMAT);
  const logger = createLogger(config.LOG_LEVEL, 'all-in-one', out);
  // One registry: the API's /metrics shows the worker loop's counts too.
  const metrics = createMetrics();
  const processorMetrics = createTaskProcessorMetrics(metrics.registry);
  const infrastructure = await createInfrastructure(config, logger, {
    deadLettered: ({ reason }) => processorMetrics.deadLettered.inc({ reason }),
  });
  const { queue, store } = infrastructure;
  // Without Redis the outbox is in memory, like the queue and the store: one process, one lifetime.
  const outbox = createOutbox(config, infrastructure.redis);
  const notificationMetrics = createNotificationMetrics(metrics.registry);
  const notifiers = createNotifiers(config, { fcm: observeFcm(logger, notificationMetrics) });
  const notify = { outbox, notifiers, metrics: notificationMetrics };
  const worker = await startWorker({ config, logger, queue, store, metrics: processorMetrics, notify });
  logger.info(
    {
      model: worker.model,
      queue: config.AMQP_URL ? 'rabbitmq' : 'memory',
      store: config.REDIS_URL || config.REDIS_SENTINELS ? 'redis' : 'memory',
      auth: config.AUTH_MODE,
    },
    'worker started',
  );
  const api = await startApi({ config, logger, metrics, infrastructure });
  stopOnSignal(logger, async () => {
    // The API first: nothing new comes in while the worker finishes what it holds.
    await api.stop();
    await worker.stop();
    await Promise.all(notifiers.map((notifier) => notifier.close()));
    await outbox.close();
    await infrastructure.close();
  });
  out.write(servingLine(api.url, config));
});
