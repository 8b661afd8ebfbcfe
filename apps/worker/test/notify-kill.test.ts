import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { notificationId } from '@visionq/core';
import { eventually, numberedImage } from '@visionq/core/testing';
import { createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { isolated, submitter } from './support/isolated.js';

// A worker SIGKILLed right after it stored a result, and another killed as it was about to send a notification:
// every task is still notified, at least once, by the workers that come after them. Real RabbitMQ, Redis and
// webhook notifier; the receiver counts what it gets and checks every signature.

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const SCRIPT = join(import.meta.dirname, 'support/notifying-worker.mjs');
const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

/** A webhook receiver on loopback: every delivery by `webhook-id`, each signature verified with the library. */
async function receiver() {
  const webhook = new Webhook(SECRET);
  const deliveries: { id: string; taskId: string }[] = [];
  const forged: string[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    try {
      const event = webhook.verify(body, req.headers as Record<string, string>) as {
        data: { task_id: string };
      };
      deliveries.push({ id: String(req.headers['webhook-id']), taskId: event.data.task_id });
    } catch {
      forged.push(body);
    }
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/${randomUUID()}`,
    deliveries,
    forged,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function startWorker(env: Record<string, string>, killAt?: string) {
  const child = spawn(process.execPath, [SCRIPT], {
    env: { PATH: process.env.PATH ?? '', ...env, ...(killAt && { KILL_AT: killAt }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  return { child, exited, output: () => output };
}

describe.skipIf(!amqp.available || !redis.available)('a worker killed around a notification', () => {
  it('right after the store write, or as it sends: every task is still notified', async () => {
    const hooks = await receiver();
    const env = {
      CALLBACK_HOSTS: '127.0.0.1',
      WEBHOOK_SECRET: SECRET,
      CALLBACK_ALLOW_HTTP: 'true',
      CALLBACK_ALLOW_PRIVATE: 'true',
      NOTIFY_RETRY_TIME_MS: '5000',
      NOTIFY_ATTEMPT_TIMEOUT_MS: '1000',
      OUTBOX_IDLE_MS: '1500',
    };
    const { config, cleanup } = isolated({ amqp, redis }, env);
    const workerEnv = {
      ...env,
      AMQP_URL: amqp.url,
      REDIS_URL: redis.url,
      AMQP_QUEUE: config.AMQP_QUEUE,
      REDIS_PREFIX: config.REDIS_PREFIX,
    };
    const producer = await createAmqpTaskQueue({ url: amqp.url, queue: config.AMQP_QUEUE });
    const client = createRedisClient(redis.url, { enableOfflineQueue: true });
    const store = createRedisResultStore({ client, keyPrefix: config.REDIS_PREFIX });
    const workers: ReturnType<typeof startWorker>[] = [];
    try {
      const submit = submitter(store, producer);
      const ids: string[] = [];
      for (let n = 0; n < 6; n += 1)
        ids.push(
          await submit(numberedImage(n), 'image/png', { notify: { channel: 'webhook', url: hooks.url } }),
        );

      // The first dies once a result is stored, its outbox entry not yet written.
      const first = startWorker(workerEnv, 'after-store');
      workers.push(first);
      expect(await first.exited).toBe('SIGKILL');
      expect(first.output()).toContain('"at":"after-store"');
      const stored = [];
      for (const id of ids) if ((await store.get(id))?.status === 'succeeded') stored.push(id);
      expect(stored.length).toBeGreaterThanOrEqual(1);
      expect(hooks.deliveries).toHaveLength(0);

      // The second finds those tasks ended, owes their notifications, and dies as it is about to send one.
      const second = startWorker(workerEnv, 'in-send');
      workers.push(second);
      expect(await second.exited).toBe('SIGKILL');
      expect(second.output()).toContain('"at":"in-send"');

      // The third takes over what both left: redelivered messages, and outbox entries the second had claimed.
      const third = startWorker(workerEnv);
      workers.push(third);
      await eventually(
        () => ids.every((id) => hooks.deliveries.some((d) => d.taskId === id)),
        45_000,
        'a delivery for every task',
      );
      for (const delivery of hooks.deliveries) expect(delivery.id).toBe(notificationId(delivery.taskId));
      expect(hooks.forged).toEqual([]);
      for (const id of ids)
        await eventually(
          async () => JSON.stringify(await store.get(id)).includes('"delivered_at"'),
          10_000,
          'the delivery recorded',
        );
      console.log(
        `deliveries per task: ${ids.map((id) => hooks.deliveries.filter((d) => d.taskId === id).length).join(', ')}`,
      );
    } finally {
      for (const worker of workers) worker.child.kill('SIGKILL');
      await Promise.all(workers.map((worker) => worker.exited));
      await producer.close();
      await store.close();
      client.disconnect();
      await hooks.close();
      await cleanup();
    }
  }, 120_000);
});
