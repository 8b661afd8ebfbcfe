import { createServer } from 'node:net';
import { InvalidMessageError, InvalidRequestError, UnavailableError } from '@visionq/core';
import { taskMessage } from '@visionq/core/testing';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { createAmqpTaskQueue, type AmqpTaskQueueOptions } from '../src/index.js';
import { amqpHarness } from './harness.js';

const server = await probeServer('amqp');

describe('createAmqpTaskQueue options', () => {
  const invalid: [string, AmqpTaskQueueOptions, RegExp][] = [
    ['no url', {} as AmqpTaskQueueOptions, /missing option: url/],
    ['an empty url', { url: '' }, /missing option: url/],
    ['another scheme', { url: 'http://localhost:5672' }, /amqp:\/\/ or amqps:\/\//],
    ['a url that does not parse', { url: 'amqp://guest:hunter2@:nope' }, /not a valid URL/],
    ['an empty queue name', { url: 'amqp://localhost', queue: '' }, /option queue/],
    ['a queue name over 255 bytes', { url: 'amqp://localhost', queue: 'q'.repeat(256) }, /option queue/],
    ['a negative delivery limit', { url: 'amqp://localhost', deliveryLimit: -1 }, /deliveryLimit/],
    ['a fractional delivery limit', { url: 'amqp://localhost', deliveryLimit: 1.5 }, /deliveryLimit/],
    ['a zero timeout', { url: 'amqp://localhost', timeoutMs: 0 }, /timeoutMs/],
    [
      'a backoff whose cap is below its start',
      { url: 'amqp://localhost', reconnect: { initialDelayMs: 500, maxDelayMs: 100 } },
      /reconnect.maxDelayMs/,
    ],
    ['an empty list of urls', { url: [] }, /missing option: url/],
    [
      'a list with a url of another scheme',
      { url: ['amqp://a', 'http://b'] },
      /option url\[1\] must be amqp/,
    ],
    ['events that are not an object', { url: 'amqp://localhost', events: 'nope' as never }, /option events/],
    [
      'a deadLettered observer that is not a function',
      { url: 'amqp://localhost', events: { deadLettered: 1 as never } },
      /events.deadLettered/,
    ],
  ];
  it.each(invalid)('rejects %s with InvalidRequestError naming the option', async (_, options, message) => {
    const attempt = createAmqpTaskQueue(options);
    await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(attempt).rejects.toThrow(message);
    // A password in a bad URL never reaches the error (and so never a log).
    await attempt.catch((error: Error) =>
      expect(`${error.message} ${String(error.cause)}`).not.toMatch(/hunter2/),
    );
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.skipIf(!server.available)('createAmqpTaskQueue start-up against RabbitMQ', () => {
  it('rejects with UnavailableError when nothing answers, after connectTimeoutMs', async () => {
    const started = Date.now();
    const attempt = createAmqpTaskQueue({
      url: `amqp://guest:guest@127.0.0.1:${await closedPort()}`,
      connectTimeoutMs: 800,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    await expect(attempt).rejects.toBeInstanceOf(UnavailableError);
    await expect(attempt).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('goes down a list of brokers: a node that refuses is skipped, the next one is used', async () => {
    const harness = await amqpHarness(server.url);
    try {
      const dead = `amqp://guest:guest@127.0.0.1:${await closedPort()}`;
      const queue = await harness.connect({ url: [dead, server.url] });
      await queue.publish({ message: taskMessage(), image: new Uint8Array([1]) });
      expect(await harness.depth()).toBe(1);
    } finally {
      await harness.cleanup();
    }
  });

  it('rejects refused credentials at once, without retrying until the timeout or echoing the password', async () => {
    const url = new URL(server.url);
    url.password = 'not-the-password';
    const started = Date.now();
    const attempt = createAmqpTaskQueue({ url: url.toString(), connectTimeoutMs: 20_000 });
    await expect(attempt).rejects.toBeInstanceOf(UnavailableError);
    await expect(attempt).rejects.toThrow(/ACCESS.REFUSED/);
    await attempt.catch((error: Error) => expect(error.message).not.toMatch(/not-the-password/));
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects bad consume and publish arguments with typed errors', async () => {
    const harness = await amqpHarness(server.url);
    try {
      const queue = await harness.connect();
      for (const prefetch of [0, -1, 1.5, 65_536, Number.NaN])
        await expect(queue.consume(async () => undefined, { prefetch })).rejects.toBeInstanceOf(
          InvalidRequestError,
        );
      await expect(queue.consume('nope' as never, { prefetch: 1 })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
      await expect(
        queue.publish({ message: taskMessage(), image: new Uint8Array(0) }),
      ).rejects.toBeInstanceOf(InvalidMessageError);
      await expect(queue.publish({ message: taskMessage(), image: 'bytes' as never })).rejects.toBeInstanceOf(
        InvalidMessageError,
      );
      expect(await harness.depth()).toBe(0);
    } finally {
      await harness.cleanup();
    }
  });
});
