// Classification throughput of one worker process with and without a webhook receiver that never answers:
// a slow or dead receiver must not slow classification (the notifications go through the outbox, beside it).
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { TASK_MESSAGE_SCHEMA_VERSION, newQueuedRecord, type NotifyTarget } from '@visionq/core';
import { createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import { ENTRY, startProcess, waitForOutput } from '../../apps/api/test/e2e/processes.js';
import { photo } from './images.js';
import { cpuSeconds } from './service.js';
import { fmt, median, table } from './stats.js';
import { removeQueueTopology } from '@visionq/test-support/amqp';

export interface NotifyBenchOptions {
  brokers: { amqp: string; redis: string };
  runs: number;
  tasks: number;
}

/** A TCP listener that takes every connection and never answers: each webhook attempt times out. */
async function blackHole() {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/never-answers`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One run: `tasks` queued first, then one worker started; images/s between the first and the last completion. */
async function once(options: NotifyBenchOptions, images: Buffer[], target: NotifyTarget | undefined) {
  const run = `bench-notify-${randomUUID()}`;
  const env = {
    AMQP_URL: options.brokers.amqp,
    REDIS_URL: options.brokers.redis,
    AMQP_QUEUE: `visionq.${run}`,
    REDIS_PREFIX: `visionq:${run}:`,
    RESULT_TTL: '600',
    CALLBACK_HOSTS: '127.0.0.1',
    WEBHOOK_SECRET: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
    CALLBACK_ALLOW_HTTP: 'true',
    CALLBACK_ALLOW_PRIVATE: 'true',
    NOTIFY_ATTEMPT_TIMEOUT_MS: '2000',
    NOTIFY_RETRY_TIME_MS: '30000',
  };
  const redis = createRedisClient(options.brokers.redis, { enableOfflineQueue: true });
  const store = createRedisResultStore({ client: redis, keyPrefix: env.REDIS_PREFIX, resultTtlMs: 600_000 });
  const queue = await createAmqpTaskQueue({ url: env.AMQP_URL, queue: env.AMQP_QUEUE });
  const ids: string[] = [];
  try {
    for (let n = 0; n < options.tasks; n += 1) {
      const record = newQueuedRecord(randomUUID(), 'bench');
      await store.create(record);
      await queue.publish({
        message: {
          taskId: record.task_id,
          owner: 'bench',
          contentType: 'image/jpeg',
          timestamp: Date.now(),
          schemaVersion: TASK_MESSAGE_SCHEMA_VERSION,
          ...(target && { notify: target }),
        },
        image: images[n % images.length] as Buffer,
      });
      ids.push(record.task_id);
    }
    const worker = startProcess('worker', ENTRY.worker, env);
    try {
      await waitForOutput(worker, 'worker started', 60_000);
      const ended = new Map<string, number>();
      const deadline = Date.now() + 600_000;
      // The worker's CPU from the first poll that saw a task ended to the one that saw them all: steadier than
      // wall-clock time on a machine others share.
      let cpuStart: { cpu: number; ended: number } | undefined;
      while (ended.size < ids.length && Date.now() < deadline) {
        for (const id of ids) {
          if (ended.has(id)) continue;
          const record = await store.get(id);
          if (record?.status === 'succeeded' || record?.status === 'failed')
            ended.set(id, Date.parse(record.completed_at));
        }
        if (!cpuStart && ended.size > 0) cpuStart = { cpu: cpuSeconds(worker), ended: ended.size };
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (ended.size < ids.length) throw new Error(`only ${ended.size} of ${ids.length} tasks ended`);
      const cpuMsPerImage =
        ((cpuSeconds(worker) - (cpuStart?.cpu ?? 0)) * 1000) / (ids.length - (cpuStart?.ended ?? 0));
      const times = [...ended.values()];
      const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
      const pendingNotifications = await redis.xlen(`${env.REDIS_PREFIX}notify:outbox`).catch(() => 0);
      return { imagesPerSecond: (ids.length - 1) / seconds, cpuMsPerImage, pendingNotifications };
    } finally {
      await worker.kill('SIGTERM');
    }
  } finally {
    await queue.close();
    await store.close();
    const keys = await redis.keys(`${env.REDIS_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await removeQueueTopology(env.AMQP_URL, env.AMQP_QUEUE);
  }
}

export async function notifyBench(options: NotifyBenchOptions): Promise<string> {
  const images = await Promise.all([0, 1, 2, 3].map((seed) => photo(640, 480, seed)));
  const hole = await blackHole();
  const without: number[] = [];
  const withDead: number[] = [];
  const cpu = { without: [] as number[], withDead: [] as number[] };
  const backlog: number[] = [];
  try {
    // Interleaved, so that whatever else the machine does weighs on both alike.
    for (let r = 0; r < options.runs; r += 1) {
      const plain = await once(options, images, undefined);
      without.push(plain.imagesPerSecond);
      cpu.without.push(plain.cpuMsPerImage);
      const dead = await once(options, images, { channel: 'webhook', url: hole.url });
      withDead.push(dead.imagesPerSecond);
      cpu.withDead.push(dead.cpuMsPerImage);
      backlog.push(dead.pendingNotifications);
      console.log(
        `run ${r + 1}: ${fmt(plain.imagesPerSecond)} images/s (${fmt(plain.cpuMsPerImage, 2)} CPU ms/image) without, ${fmt(dead.imagesPerSecond)} (${fmt(dead.cpuMsPerImage, 2)}) with a receiver that never answers (${hole.connections()} connections to it so far)`,
      );
    }
  } finally {
    await hole.close();
  }
  const ratio = median(withDead) / median(without);
  return [
    `${options.tasks} tasks of 640×480 JPEG queued, then one worker (default settings) started; images/s between the first and the last completion; median of ${options.runs} interleaved runs.`,
    '',
    table(
      ['worker', 'images/s (median)', 'runs', 'worker CPU ms/image (median)', 'runs'],
      [
        [
          'no notification',
          fmt(median(without)),
          without.map((v) => fmt(v)).join(', '),
          fmt(median(cpu.without), 2),
          cpu.without.map((v) => fmt(v, 2)).join(', '),
        ],
        [
          'every task notifies a receiver that never answers',
          fmt(median(withDead)),
          withDead.map((v) => fmt(v)).join(', '),
          fmt(median(cpu.withDead), 2),
          cpu.withDead.map((v) => fmt(v, 2)).join(', '),
        ],
      ],
    ),
    '',
    `throughput ratio ${fmt(ratio, 3)} (${fmt((ratio - 1) * 100)} %), CPU per image ratio ${fmt(median(cpu.withDead) / median(cpu.without), 3)}; the receiver took ${hole.connections()} connections and answered none; notifications still owed when the last task ended: ${backlog.join(', ')}`,
  ].join('\n');
}
