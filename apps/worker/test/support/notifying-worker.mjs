// A worker process wired for notifications as the real one is (RabbitMQ, Redis, the task processor owing each
// notification to the Redis outbox, the dispatcher, the webhook notifier the configuration makes), with the
// fake classifier, that SIGKILLs itself at a chosen point: KILL_AT=after-store, right after the first result is
// stored (before its outbox entry exists), or KILL_AT=in-send, as the first notification is about to be sent
// (its entry claimed and never settled). OUTBOX_IDLE_MS shortens the outbox's take-over time for the test.
import { FakeClassifier } from '@visionq/core';
import { createAmqpTaskQueue } from '@visionq/queue-amqp';
import {
  createRedisClient,
  createRedisNotificationOutbox,
  createRedisResultStore,
} from '@visionq/result-store-redis';
import { createNotificationDispatcher, createTaskProcessor } from '@visionq/task-processor';
import { createNotifiers, loadWorkerConfig } from '@visionq/worker';

const config = loadWorkerConfig(process.env);
const killAt = process.env.KILL_AT;
const die = (point) => {
  if (killAt !== point) return;
  console.log(JSON.stringify({ msg: 'killed', at: point }));
  process.kill(process.pid, 'SIGKILL');
};

const redis = createRedisClient(process.env.REDIS_URL);
redis.on('error', () => undefined);
const realStore = createRedisResultStore({ client: redis, keyPrefix: config.REDIS_PREFIX });
const store = new Proxy(realStore, {
  get(target, name) {
    if (name !== 'complete') return Reflect.get(target, name).bind(target);
    return async (...args) => {
      const record = await target.complete(...args);
      die('after-store');
      return record;
    };
  },
});
const outbox = createRedisNotificationOutbox({
  client: redis,
  keyPrefix: config.REDIS_PREFIX,
  idleMs: Number(process.env.OUTBOX_IDLE_MS),
});
const notifiers = createNotifiers(config).map((notifier) => ({
  channel: notifier.channel,
  notify: (notification, options) => {
    die('in-send');
    return notifier.notify(notification, options);
  },
  close: () => notifier.close(),
}));
const queue = await createAmqpTaskQueue({ url: config.AMQP_URL, queue: config.AMQP_QUEUE });
const processor = createTaskProcessor({
  queue,
  store,
  outbox,
  classifier: new FakeClassifier({ delayMs: 20 }),
  prefetch: 8,
  maxBatch: 4,
  maxDelayMs: 20,
});
const dispatcher = createNotificationDispatcher({ outbox, store, notifiers, pollIntervalMs: 50 });
await processor.start();
dispatcher.start();
console.log(JSON.stringify({ msg: 'worker started' }));
process.once('SIGTERM', async () => {
  await processor.stop();
  await dispatcher.stop();
  await queue.close();
  await realStore.close();
  redis.disconnect();
  process.exit(0);
});
