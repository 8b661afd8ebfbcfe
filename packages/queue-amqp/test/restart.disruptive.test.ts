import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UnavailableError, type TaskQueue } from '@visionq/core';
import { eventually, numberedImage, sleep, taskMessage } from '@visionq/core/testing';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { amqpHarness } from './harness.js';

// Stops and starts the real RabbitMQ (one restart), so it runs alone, after every other test.

const server = await probeServer('amqp');
const root = join(import.meta.dirname, '../../..');
const run = promisify(execFile);

async function rabbitmq(action: 'stop' | 'start'): Promise<void> {
  await run('bash', [join(root, 'scripts/services.sh'), action, 'rabbitmq'], { cwd: root, timeout: 150_000 });
}

async function reachable(queue: TaskQueue): Promise<boolean> {
  return queue.ping().then(
    () => true,
    () => false,
  );
}

describe.skipIf(!server.available)('AmqpTaskQueue across a RabbitMQ restart', () => {
  it('publisher and consumer recover by themselves, and every confirmed publish is consumed', async () => {
    const timeoutMs = 2000;
    const h = await amqpHarness(server.url, {
      timeoutMs,
      reconnect: { initialDelayMs: 100, maxDelayMs: 2000 },
    });
    try {
      const producer = await h.connect();
      const consumer = await h.connect();
      const seen = new Set<string>();
      await consumer.consume(
        async (task) => {
          await sleep(5);
          seen.add(task.message.taskId);
        },
        { prefetch: 8 },
      );

      // A steady stream of publishes, one at a time, all through the restart.
      const confirmed = new Set<string>();
      const failures: { error: unknown; ms: number }[] = [];
      let publishing = true;
      const stream = (async () => {
        for (let n = 0; publishing; n += 1) {
          const message = taskMessage();
          const started = Date.now();
          try {
            await producer.publish({ message, image: numberedImage(n) });
            confirmed.add(message.taskId);
          } catch (error) {
            failures.push({ error, ms: Date.now() - started });
          }
          await sleep(20);
        }
      })();
      await eventually(() => confirmed.size >= 20, 10_000, 'publishes before the restart');

      try {
        await rabbitmq('stop');
        await eventually(() => failures.length >= 3, 20_000, 'publishes to fail during the outage');
        expect(await reachable(producer)).toBe(false);
      } finally {
        await rabbitmq('start');
      }

      await eventually(() => reachable(producer), 60_000, 'the producer to reconnect');
      const before = confirmed.size;
      await eventually(() => confirmed.size >= before + 20, 30_000, 'publishes after the restart');
      publishing = false;
      await stream;

      await eventually(
        () => [...confirmed].every((id) => seen.has(id)),
        30_000,
        'every confirmed task consumed',
      );
      expect(await reachable(consumer)).toBe(true);
      for (const { error, ms } of failures) {
        expect(error).toBeInstanceOf(UnavailableError);
        expect(ms).toBeLessThan(timeoutMs + 1000);
      }
      expect(await h.deadLettered()).toEqual([]);
    } finally {
      await h.cleanup();
    }
  }, 240_000);
});
