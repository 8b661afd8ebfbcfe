import { randomUUID } from 'node:crypto';
import { InvalidImageError, UnavailableError } from '@visionq/core';
import { eventually, numberedImage, sleep, taskMessage } from '@visionq/core/testing';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import type { AmqpLogger, DeadLetteredInfo } from '../src/index.js';
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

describe.skipIf(!server.available)('events.deadLettered and deadLetterCount()', () => {
  it('reports each poison message the consumer dead-letters, with a stable reason and never the body', () =>
    withHarness(async (h) => {
      const seen: DeadLetteredInfo[] = [];
      const queue = await h.connect({ events: { deadLettered: (info) => void seen.push(info) } });
      const ids = { version: randomUUID(), owner: randomUUID(), empty: randomUUID() };
      await h.publishRaw({ ...taskMessage({ taskId: ids.version }), schemaVersion: 2 }, numberedImage(1));
      await h.publishRaw({ ...taskMessage({ taskId: ids.owner }), owner: 12 }, numberedImage(2));
      await h.publishRaw(taskMessage({ taskId: ids.empty }), new Uint8Array(0));
      await h.publishRaw({ ...taskMessage(), taskId: undefined }, numberedImage(3));
      expect(await queue.deadLetterCount()).toBe(0);

      const good = taskMessage();
      await queue.publish({ message: good, image: numberedImage(4) });
      const handled: string[] = [];
      await queue.consume(async (task) => void handled.push(task.message.taskId), { prefetch: 2 });
      await eventually(() => seen.length === 4 && handled.length === 1, 5000, 'four dead letters, one task');
      await eventually(async () => (await queue.deadLetterCount()) === 4, 5000, 'the dead-letter queue at 4');

      const byId = (id: string | undefined) => seen.find((info) => info.taskId === id);
      expect(byId(ids.version)).toMatchObject({ queue: h.topology.queue, reason: 'schema_version' });
      expect(byId(ids.version)?.message).toMatch(/schema version 2 is not 1/);
      expect(byId(ids.owner)).toMatchObject({ reason: 'schema' });
      expect(byId(ids.empty)).toMatchObject({ reason: 'empty_body', message: 'task has no image bytes' });
      // No messageId: reported all the same, without a task id.
      expect(byId(undefined)).toMatchObject({ reason: 'schema' });
      expect(handled).toEqual([good.taskId]);
      for (const info of seen) {
        expect(Object.keys(info).sort()).toEqual(
          ['message', 'queue', 'reason', ...(info.taskId ? ['taskId'] : [])].sort(),
        );
      }
      // deadLetterCount() only looks: the dead letters are all still there.
      expect(await h.deadLetters()).toHaveLength(4);
    }));

  it("reports a handler's permanent error; counts, but cannot report, what RabbitMQ dead-letters itself", () =>
    withHarness(async (h) => {
      const seen: DeadLetteredInfo[] = [];
      const queue = await h.connect({ events: { deadLettered: (info) => void seen.push(info) } });
      const broken = taskMessage();
      const flaky = taskMessage();
      await queue.publish({ message: broken, image: numberedImage(1) });
      await queue.publish({ message: flaky, image: numberedImage(2) });
      await queue.consume(
        async (task) => {
          if (task.message.taskId === broken.taskId) throw new InvalidImageError('cannot decode this one');
          throw new Error('the store is down');
        },
        { prefetch: 2 },
      );
      // The flaky one: 1 + deliveryLimit deliveries, then RabbitMQ's delivery limit dead-letters it.
      await eventually(async () => (await queue.deadLetterCount()) === 2, 10_000, 'both dead-lettered');
      await sleep(200);
      expect(seen).toEqual([
        {
          queue: h.topology.queue,
          taskId: broken.taskId,
          reason: 'permanent_error',
          code: 'invalid_image',
          message: 'cannot decode this one',
        },
      ]);
    }));

  it('an observer that throws is logged, and the consumer goes on', () =>
    withHarness(async (h) => {
      const warnings: string[] = [];
      const logger: AmqpLogger = { info: () => undefined, warn: (_, message) => void warnings.push(message) };
      const queue = await h.connect({
        logger,
        events: {
          deadLettered: () => {
            throw new Error('observer bug');
          },
        },
      });
      await h.publishRaw({ ...taskMessage(), owner: 12 }, numberedImage(1));
      const good = taskMessage();
      await queue.publish({ message: good, image: numberedImage(2) });
      const handled: string[] = [];
      await queue.consume(async (task) => void handled.push(task.message.taskId), { prefetch: 1 });
      await eventually(() => handled.length === 1, 5000, 'the good task after the poison');
      expect(handled).toEqual([good.taskId]);
      expect(warnings).toContain('events.deadLettered threw');
      expect(await h.deadLetters()).toHaveLength(1);
    }));

  it('never logs or reports who a task notifies, whatever becomes of its message', () =>
    withHarness(async (h) => {
      const lines: string[] = [];
      const log = (fields: object, message: string) => void lines.push(JSON.stringify({ fields, message }));
      const seen: DeadLetteredInfo[] = [];
      const queue = await h.connect({
        logger: { info: log, warn: log },
        events: { deadLettered: (info) => void seen.push(info) },
      });
      const token = `device-token-${randomUUID()}`;
      const url = `https://hooks.example.org/${randomUUID()}`;
      // A poison message (its owner fails the schema) and a task its handler fails for good, each with a target.
      await h.publishRaw(
        { ...taskMessage({ notify: { channel: 'fcm', token } }), owner: 12 },
        numberedImage(1),
      );
      await queue.publish({
        message: taskMessage({ notify: { channel: 'webhook', url } }),
        image: numberedImage(2),
      });
      await queue.consume(
        async () => {
          throw new InvalidImageError('cannot decode this one');
        },
        { prefetch: 2 },
      );
      await eventually(() => seen.length === 2, 5000, 'both dead-lettered');
      const written = JSON.stringify([lines, seen]);
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(written).not.toContain(token);
      expect(written).not.toContain(url);
      expect(written).not.toContain('hooks.example.org');
    }));

  it('deadLetterCount() rejects with UnavailableError once the client is closed', () =>
    withHarness(async (h) => {
      const queue = await h.connect();
      expect(await queue.deadLetterCount()).toBe(0);
      await queue.close();
      await expect(queue.deadLetterCount()).rejects.toBeInstanceOf(UnavailableError);
    }));
});
