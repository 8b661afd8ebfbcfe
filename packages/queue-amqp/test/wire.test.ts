import { randomUUID } from 'node:crypto';
import { ConflictError, TASK_MESSAGE_SCHEMA_VERSION, type DeliveredTask } from '@visionq/core';
import { eventually, numberedImage, sleep, taskMessage } from '@visionq/core/testing';
import { connect } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { TASK_HEADERS } from '../src/index.js';
import { queueArguments } from '../src/topology.js';
import { amqpHarness, type AmqpHarness } from './harness.js';

const server = await probeServer('amqp');

async function withHarness(body: (h: AmqpHarness) => Promise<void>): Promise<void> {
  const harness = await amqpHarness(server.url);
  try {
    await body(harness);
  } finally {
    await harness.cleanup();
  }
}

function deathReason(message: { properties: { headers?: Record<string, unknown> } }): unknown {
  return message.properties.headers?.['x-first-death-reason'];
}

describe.skipIf(!server.available)('AmqpTaskQueue on the wire', () => {
  it('carries the image as the raw body and the metadata in properties and headers', () =>
    withHarness(async (h) => {
      const queue = await h.connect();
      const message = taskMessage({ contentType: 'image/webp', timestamp: 1_700_000_000_123 });
      const image = numberedImage(42);
      await queue.publish({ message, image });
      const raw = await h.take();
      if (raw === false) throw new Error('nothing queued');
      expect(Buffer.compare(raw.content, Buffer.from(image))).toBe(0);
      expect(raw.properties).toMatchObject({
        messageId: message.taskId,
        contentType: 'image/webp',
        deliveryMode: 2,
        timestamp: 1_700_000_000,
      });
      expect(raw.properties.headers).toMatchObject({
        [TASK_HEADERS.owner]: 'alice',
        [TASK_HEADERS.schemaVersion]: TASK_MESSAGE_SCHEMA_VERSION,
        [TASK_HEADERS.timestampMs]: 1_700_000_000_123,
      });
    }));

  it('declares a quorum queue with its delivery limit and dead-letter exchange, idempotently', () =>
    withHarness(async (h) => {
      // The harness declared it already; two more clients declaring the same topology do not conflict.
      await h.connect();
      await h.connect();
      // A client wanting another delivery limit learns at start-up, with a typed error.
      await expect(h.connect({ deliveryLimit: h.deliveryLimit + 1 })).rejects.toBeInstanceOf(ConflictError);
      // RabbitMQ refuses a redeclaration that differs in any argument, so these prove what was declared.
      const connection = await connect(server.url);
      connection.on('error', () => undefined);
      try {
        const redeclare = async (args: Record<string, unknown>) => {
          const channel = await connection.createChannel();
          channel.on('error', () => undefined);
          await channel.assertQueue(h.topology.queue, { durable: true, arguments: args });
          await channel.close();
        };
        await expect(redeclare(queueArguments(h.topology))).resolves.toBeUndefined();
        await expect(redeclare({ ...queueArguments(h.topology), 'x-queue-type': 'classic' })).rejects.toThrow(
          /PRECONDITION/,
        );
        await expect(
          redeclare({ ...queueArguments(h.topology), 'x-dead-letter-exchange': 'elsewhere' }),
        ).rejects.toThrow(/PRECONDITION/);
      } finally {
        await connection.close();
      }
    }));

  it('dead-letters poison messages at once, untouched, and the consumer keeps going', () =>
    withHarness(async (h) => {
      const queue = await h.connect();
      const poison: [string, Record<string, unknown>, Uint8Array][] = [
        ['owner is a number', { ...taskMessage(), owner: 12 }, numberedImage(1)],
        ['unknown schema version', { ...taskMessage(), schemaVersion: 2 }, numberedImage(2)],
        ['zero-byte body', taskMessage(), new Uint8Array(0)],
        ['no messageId', { ...taskMessage(), taskId: undefined }, numberedImage(3)],
        ['not a uuid', { ...taskMessage(), taskId: 'task-1' }, numberedImage(4)],
        ['not an image type', { ...taskMessage(), contentType: 'text/html' }, numberedImage(5)],
        ['no headers at all', { taskId: randomUUID(), contentType: 'image/png' }, numberedImage(6)],
      ];
      for (const [, metadata, image] of poison) await h.publishRaw(metadata, image);
      const good = taskMessage();
      await queue.publish({ message: good, image: numberedImage(7) });

      const received: DeliveredTask[] = [];
      await queue.consume(async (task) => void received.push(task), { prefetch: 2 });
      await eventually(
        async () => (await h.deadLetters()).length === poison.length,
        5000,
        'poison dead-lettered',
      );
      await eventually(() => received.length === 1, 5000, 'the good message');
      await sleep(200);
      expect(received.map((task) => task.message.taskId)).toEqual([good.taskId]);
      const dead = await h.deadLetters();
      expect(dead.map(deathReason)).toEqual(poison.map(() => 'rejected'));
      // Dead letters keep their bytes and metadata, so they can be inspected and replayed.
      expect(dead.map((m) => m.content.length)).toEqual(poison.map(([, , image]) => image.length));
      expect(dead[1]?.properties.headers?.[TASK_HEADERS.schemaVersion]).toBe(2);
    }));

  it('dead-letters a message that keeps failing after exactly deliveryLimit redeliveries', () =>
    withHarness(async (h) => {
      const queue = await h.connect();
      const message = taskMessage();
      await queue.publish({ message, image: numberedImage(9) });
      const counts: number[] = [];
      await queue.consume(
        async (task) => {
          counts.push(task.deliveryCount);
          throw new Error('the store is down');
        },
        { prefetch: 1 },
      );
      await eventually(async () => (await h.deadLetters()).length === 1, 10_000, 'dead-lettering');
      await sleep(300);
      expect(counts).toEqual([1, 2, 3]);
      const [dead] = await h.deadLetters();
      expect(dead?.properties.messageId).toBe(message.taskId);
      expect(deathReason(dead as never)).toBe('delivery_limit');
      expect(await h.depth()).toBe(0);
    }));

  it('waits before requeueing a transient failure', async () => {
    const harness = await amqpHarness(server.url, {
      requeueDelay: { initialDelayMs: 300, maxDelayMs: 5000 },
    });
    try {
      const queue = await harness.connect();
      await queue.publish({ message: taskMessage(), image: numberedImage(1) });
      const at: number[] = [];
      await queue.consume(
        async () => {
          at.push(Date.now());
          throw new Error('transient');
        },
        { prefetch: 1 },
      );
      await eventually(async () => (await harness.deadLetters()).length === 1, 10_000, 'dead-lettering');
      const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
      expect(gaps).toHaveLength(2);
      // Lower bounds only: half jitter never waits less than half the delay, which doubles each time.
      expect(gaps[0]).toBeGreaterThanOrEqual(140);
      expect(gaps[1]).toBeGreaterThanOrEqual(290);
    } finally {
      await harness.cleanup();
    }
  });
});
