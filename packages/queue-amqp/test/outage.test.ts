import { UnavailableError, type TaskQueue } from '@visionq/core';
import { eventually, gate, numberedImage, sleep, taskMessage } from '@visionq/core/testing';
import { connect } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { amqpHarness, type AmqpHarness } from './harness.js';
import { tcpProxy, type TcpProxy } from './proxy.js';

// Outages are staged with a TCP proxy between these clients and RabbitMQ, so that no other test loses the
// broker. The real broker restart is in restart.disruptive.test.ts.

const server = await probeServer('amqp');

async function withOutage(body: (h: AmqpHarness, proxy: TcpProxy) => Promise<void>): Promise<void> {
  const [harness, proxy] = await Promise.all([amqpHarness(server.url), tcpProxy(server.url)]);
  try {
    await body(harness, proxy);
  } finally {
    await proxy.close();
    await harness.cleanup();
  }
}

async function reachable(queue: TaskQueue): Promise<boolean> {
  return queue.ping().then(
    () => true,
    () => false,
  );
}

async function rejectsWithin(attempt: Promise<unknown>, boundMs: number): Promise<unknown> {
  const started = Date.now();
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(boundMs);
  return error;
}

describe.skipIf(!server.available)('AmqpTaskQueue when the network goes away', () => {
  it('a dropped connection: publishes fail fast and typed, then publisher and consumer recover by themselves', () =>
    withOutage(async (h, proxy) => {
      const producer = await h.connect({ url: proxy.url, timeoutMs: 1000 });
      const consumer = await h.connect({ url: proxy.url });
      const seen = new Set<string>();
      await consumer.consume(async (task) => void seen.add(task.message.taskId), { prefetch: 4 });
      const confirmed: string[] = [];
      const refused: string[] = [];
      const publish = async (n: number) => {
        const message = taskMessage();
        await producer.publish({ message, image: numberedImage(n) }).catch((error: unknown) => {
          refused.push(message.taskId);
          throw error;
        });
        confirmed.push(message.taskId);
      };
      for (let n = 0; n < 5; n += 1) await publish(n);

      proxy.cut();
      await eventually(async () => !(await reachable(producer)), 5000, 'ping to fail');
      await expect(producer.ping()).rejects.toBeInstanceOf(UnavailableError);
      const failures = await Promise.all([5, 6, 7].map((n) => rejectsWithin(publish(n), 1000 + 1500)));
      for (const failure of failures) expect(failure).toBeInstanceOf(UnavailableError);

      proxy.restore();
      await eventually(() => reachable(producer), 10_000, 'the producer to reconnect');
      for (let n = 8; n < 13; n += 1) await publish(n);
      await eventually(() => confirmed.every((id) => seen.has(id)), 10_000, 'every confirmed task consumed');
      expect(confirmed).toHaveLength(10);
      // Refused while disconnected means never sent: a late send would duplicate what the caller retries.
      await sleep(300);
      expect(refused.filter((id) => seen.has(id))).toEqual([]);
    }));

  it('a node of a list lost for good: publisher and consumer carry on through the next one', async () => {
    const [harness, first, second] = await Promise.all([
      amqpHarness(server.url),
      tcpProxy(server.url),
      tcpProxy(server.url),
    ]);
    try {
      const options = { url: [first.url, second.url], timeoutMs: 1500 };
      const producer = await harness.connect(options);
      const consumer = await harness.connect(options);
      const seen = new Set<string>();
      await consumer.consume(async (task) => void seen.add(task.message.taskId), { prefetch: 4 });
      expect(first.connections).toBe(2);
      const confirmed: string[] = [];
      const publish = async (n: number) => {
        const message = taskMessage();
        await producer.publish({ message, image: numberedImage(n) });
        confirmed.push(message.taskId);
      };
      await publish(0);
      first.cut(); // and it stays cut: every reconnect must go to the second
      await eventually(() => second.connections === 2, 10_000, 'both clients on the second node');
      for (let n = 1; n < 6; n += 1) await publish(n);
      await eventually(() => confirmed.every((id) => seen.has(id)), 10_000, 'every confirmed task consumed');
      expect(first.connections).toBe(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
      await harness.cleanup();
    }
  });

  it('a silent network: heartbeats notice it, and a publish in flight rejects within the bound', () =>
    withOutage(async (h, proxy) => {
      const options = { url: proxy.url, heartbeatSeconds: 1, timeoutMs: 1500 };
      const producer = await h.connect(options);
      const consumer = await h.connect(options);
      const seen: string[] = [];
      await consumer.consume(async (task) => void seen.push(task.message.taskId), { prefetch: 1 });

      proxy.stall();
      const failure = await rejectsWithin(
        producer.publish({ message: taskMessage(), image: numberedImage(1) }),
        3000,
      );
      expect(failure).toBeInstanceOf(UnavailableError);
      // Two missed heartbeats close the connection; reconnects are refused until the network is back.
      await eventually(() => proxy.connections === 0, 10_000, 'heartbeats to drop both connections');
      await expect(producer.ping()).rejects.toBeInstanceOf(UnavailableError);

      proxy.restore();
      await eventually(() => reachable(producer), 10_000, 'the producer to reconnect');
      const message = taskMessage();
      await producer.publish({ message, image: numberedImage(2) });
      await eventually(() => seen.includes(message.taskId), 10_000, 'the consumer to resume');
    }));

  it('a consumer that lost its connection mid-handler does not throw when it acks; the broker redelivers', () =>
    withOutage(async (h, proxy) => {
      const flaky = await h.connect({ url: proxy.url });
      const started = gate();
      const release = gate();
      const handled: number[] = [];
      await flaky.consume(
        async (task) => {
          handled.push(task.deliveryCount);
          started.open();
          await release.promise;
        },
        { prefetch: 1 },
      );
      const producer = await h.connect();
      await producer.publish({ message: taskMessage(), image: numberedImage(1) });
      await started.promise;
      proxy.cut();
      await eventually(async () => !(await reachable(flaky)), 5000, 'the connection to drop');
      release.open(); // its ack now goes to a dead channel
      proxy.restore();
      // The same client resubscribes and gets the message again, as a redelivery.
      await eventually(() => handled.length === 2, 10_000, 'the redelivery');
      expect(handled).toEqual([1, 2]);
    }));

  it('a queue deleted under a connected client: publish rejects, then the client declares it again', () =>
    withOutage(async (h) => {
      const producer = await h.connect();
      const admin = await connect(server.url);
      try {
        const channel = await admin.createChannel();
        await channel.deleteQueue(h.topology.queue);
        await expect(producer.publish({ message: taskMessage(), image: numberedImage(1) })).rejects.toThrow(
          /does not exist/,
        );
        await eventually(
          () =>
            producer.publish({ message: taskMessage(), image: numberedImage(2) }).then(
              () => true,
              () => false,
            ),
          5000,
          'a publish to succeed again',
        );
        expect(await h.depth()).toBe(1);
      } finally {
        await admin.close();
      }
    }));

  it('a queue deleted under a consumer: it subscribes again, declaring the queue, and goes on', () =>
    withOutage(async (h) => {
      const consumer = await h.connect();
      const seen: string[] = [];
      await consumer.consume(async (task) => void seen.push(task.message.taskId), { prefetch: 1 });
      const admin = await connect(server.url);
      try {
        const channel = await admin.createChannel();
        await channel.deleteQueue(h.topology.queue);
      } finally {
        await admin.close();
      }
      // RabbitMQ cancels the consumer; it re-declares the queue and subscribes again by itself.
      await eventually(async () => (await h.depth().catch(() => -1)) === 0, 5000, 'the queue to be back');
      const producer = await h.connect();
      const message = taskMessage();
      await producer.publish({ message, image: numberedImage(1) });
      await eventually(() => seen.includes(message.taskId), 5000, 'the consumer to go on');
    }));

  it('close() lets a handler finish and acks it, and cuts a pending requeue delay short', () =>
    withOutage(async (h) => {
      const queue = await h.connect({ requeueDelay: { initialDelayMs: 20_000, maxDelayMs: 20_000 } });
      await queue.publish({ message: taskMessage(), image: numberedImage(1) });
      await queue.publish({ message: taskMessage(), image: numberedImage(2) });
      const release = gate();
      let finished = 0;
      let failed = 0;
      await queue.consume(
        async (task) => {
          if (task.image[task.image.length - 1] === 2) {
            failed += 1;
            throw new Error('transient');
          }
          await release.promise;
          finished += 1;
        },
        { prefetch: 2 },
      );
      await eventually(() => failed === 1, 5000, 'the failing one');
      const started = Date.now();
      const closing = queue.close();
      await sleep(100);
      release.open();
      await closing;
      expect(finished).toBe(1);
      expect(Date.now() - started).toBeLessThan(5000);
      // The acknowledged one is gone; the failed one is back, waiting for the next consumer.
      await eventually(async () => (await h.depth()) === 1, 5000, 'one message back in the queue');
    }));
});
