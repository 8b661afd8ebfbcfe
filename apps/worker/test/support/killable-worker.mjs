// A worker process (started by the fault suite in apps/api/test/faults) as the real one is wired (RabbitMQ, Redis with the task deadline, the task processor), with
// a classifier that SIGKILLs its own process when it meets an image ending in the marker byte: an image that
// crashes every worker that tries it. Everything else is classified by the deterministic fake classifier.
import { FakeClassifier } from '@visionq/core';
import { createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import { createTaskProcessor } from '@visionq/task-processor';

const KILL_MARKER = 0xee;
const env = process.env;

class KillingClassifier extends FakeClassifier {
  async classify(images) {
    if (images.some((image) => image[image.length - 1] === KILL_MARKER)) process.kill(process.pid, 'SIGKILL');
    return super.classify(images);
  }
}

const redis = createRedisClient(env.REDIS_URL);
redis.on('error', () => undefined);
const store = createRedisResultStore({
  client: redis,
  keyPrefix: env.REDIS_PREFIX,
  taskDeadlineMs: Number(env.TASK_DEADLINE) * 1000,
});
const queue = await createAmqpTaskQueue({ url: env.AMQP_URL, queue: env.AMQP_QUEUE });
const processor = createTaskProcessor({
  queue,
  store,
  classifier: new KillingClassifier({ delayMs: 20 }),
  prefetch: Number(env.WORKER_PREFETCH),
  maxBatch: Number(env.WORKER_MAX_BATCH),
  maxDelayMs: 50,
  events: {
    taskEnded: (record, { deliveryCount }) =>
      console.log(
        JSON.stringify({
          msg: 'task ended',
          task_id: record.task_id,
          status: record.status,
          delivery: deliveryCount,
        }),
      ),
  },
});
await processor.start();
console.log(JSON.stringify({ msg: 'worker started' }));
process.once('SIGTERM', async () => {
  await processor.stop();
  await queue.close();
  await store.close();
  redis.disconnect();
  process.exit(0);
});
