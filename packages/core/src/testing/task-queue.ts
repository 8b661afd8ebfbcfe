import {
  InvalidMessageError,
  InvalidRequestError,
  QueueFullError,
  UnavailableError,
  VisionqError,
} from '../errors.js';
import type { DeadLetter, DeliveredTask, TaskQueue } from '../ports.js';
import { imageNumber, numberedImage, taskMessage } from './fixtures.js';
import type { ContractOptions, ContractTestFn } from './types.js';
import { eventually, gate, sleep } from './wait.js';

/** What a `TaskQueue` implementation provides to run the contract: an isolated queue per call. */
export interface TaskQueueHarness {
  /** A new client (connection) to this harness's own queue, which no other test uses. */
  connect(): Promise<TaskQueue>;
  /** Drops a client as a crashed process would: nothing acknowledged, nothing drained. */
  crash(queue: TaskQueue): Promise<void>;
  /** Metadata of the dead-lettered messages, oldest first, as they were published. */
  deadLettered(): Promise<unknown[]>;
  /** Publishes metadata as it is, skipping validation, as a buggy or foreign producer could. */
  publishRaw(message: unknown, image: Uint8Array): Promise<void>;
  /** Redeliveries allowed after the first delivery before a message is dead-lettered. */
  readonly deliveryLimit: number;
  /** Closes every client and removes the queue. */
  cleanup(): Promise<void>;
}

export interface TaskQueueHarnessOptions {
  /** Most messages waiting in the harness's queue, enforced by the queue itself. Default none. */
  maxLength?: number;
}

export type TaskQueueHarnessFactory = (options?: TaskQueueHarnessOptions) => Promise<TaskQueueHarness>;

const TIMEOUT = 20_000;

/** Registers the `TaskQueue` contract: every promise the port makes, each with its failing path. */
export function taskQueueContract(
  it: ContractTestFn,
  createHarness: TaskQueueHarnessFactory,
  options: ContractOptions = {},
): void {
  const withHarness =
    (body: (h: TaskQueueHarness) => Promise<void>, more?: TaskQueueHarnessOptions) => async () => {
      const harness = await (more ? createHarness(more) : createHarness());
      try {
        await body(harness);
      } finally {
        await harness.cleanup();
      }
    };
  const test = (name: string, fn: Parameters<ContractTestFn>[1]) => it(`TaskQueue: ${name}`, fn, TIMEOUT);

  test('delivers the metadata and the exact image bytes that were published', async ({ expect }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      const message = taskMessage({ contentType: 'image/jpeg' });
      // Optional metadata travels too when it is set.
      const floored = taskMessage({ minConfidence: 0.25, decodeUnits: 27 });
      const image = numberedImage(7);
      await queue.publish({ message, image });
      await queue.publish({ message: floored, image });
      const received: DeliveredTask[] = [];
      await queue.consume(async (task) => void received.push(task), { prefetch: 1 });
      await eventually(() => received.length === 2, 5000, 'delivery');
      expect(received[0]?.message).toEqual(message);
      expect(received[1]?.message).toEqual(floored);
      // Nothing optional appears that was not set.
      expect(received[0]?.message).not.toHaveProperty('notify');
      expect(received[0]?.message).not.toHaveProperty('language');
      expect(received[0]?.message).not.toHaveProperty('decodeUnits');
      expect(Buffer.from(received[0]?.image ?? [])).toEqual(Buffer.from(image));
      expect(received[0]?.deliveryCount).toBe(1);
    })());

  test('carries who to notify (a device token or a webhook URL) and the language, exactly as published', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      const device = taskMessage({
        notify: { channel: 'fcm', token: `fcm:${'x'.repeat(300)}` },
        language: 'es-MX',
      });
      const server = taskMessage({
        notify: { channel: 'webhook', url: 'https://hooks.example.org/visionq?ref=a%20b&x=ñ' },
      });
      await queue.publish({ message: device, image: numberedImage(1) });
      await queue.publish({ message: server, image: numberedImage(2) });
      const received: DeliveredTask[] = [];
      await queue.consume(async (task) => void received.push(task), { prefetch: 1 });
      await eventually(() => received.length === 2, 5000, 'delivery');
      expect(received.map((task) => task.message)).toEqual([device, server]);
    })());

  test('publish rejects invalid metadata or an empty image with InvalidMessageError and queues nothing', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      const bad = { ...taskMessage(), taskId: 'not-a-uuid' };
      await expect(queue.publish({ message: bad, image: numberedImage(1) })).rejects.toBeInstanceOf(
        InvalidMessageError,
      );
      await expect(
        queue.publish({ message: taskMessage(), image: new Uint8Array(0) }),
      ).rejects.toBeInstanceOf(InvalidMessageError);
      const received: DeliveredTask[] = [];
      await queue.consume(async (task) => void received.push(task), { prefetch: 1 });
      await sleep(300);
      expect(received).toHaveLength(0);
      expect(await h.deadLettered()).toHaveLength(0);
    })());

  test('a resolved publish survives its publisher closing: another client receives it', async ({ expect }) =>
    withHarness(async (h) => {
      const producer = await h.connect();
      const message = taskMessage();
      await producer.publish({ message, image: numberedImage(1) });
      await producer.close();
      const consumer = await h.connect();
      const received: DeliveredTask[] = [];
      await consumer.consume(async (task) => void received.push(task), { prefetch: 1 });
      await eventually(() => received.length === 1, 5000, 'delivery');
      expect(received[0]?.message.taskId).toBe(message.taskId);
    })());

  test('delivers in publish order to a single consumer with prefetch 1', async ({ expect }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      for (let n = 0; n < 10; n += 1)
        await queue.publish({ message: taskMessage(), image: numberedImage(n) });
      const order: number[] = [];
      await queue.consume(async (task) => void order.push(imageNumber(task.image)), { prefetch: 1 });
      await eventually(() => order.length === 10, 5000, 'ten deliveries');
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    })());

  test('acknowledges only after the handler resolved: a crash mid-handler redelivers', async ({ expect }) =>
    withHarness(async (h) => {
      const first = await h.connect();
      const message = taskMessage();
      await first.publish({ message, image: numberedImage(1) });
      const started = gate();
      const never = gate();
      await first.consume(
        async () => {
          started.open();
          await never.promise;
        },
        { prefetch: 1 },
      );
      await started.promise;
      await sleep(100);
      await h.crash(first);
      const second = await h.connect();
      const received: DeliveredTask[] = [];
      await second.consume(async (task) => void received.push(task), { prefetch: 1 });
      await eventually(() => received.length === 1, 10_000, 'redelivery');
      expect(received[0]?.message.taskId).toBe(message.taskId);
      expect(received[0]?.deliveryCount).toBeGreaterThan(1);
      never.open();
    })());

  test('a handled message is gone: a crash after the handler resolved redelivers nothing', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const first = await h.connect();
      await first.publish({ message: taskMessage(), image: numberedImage(1) });
      let handled = 0;
      const consumption = await first.consume(async () => void (handled += 1), { prefetch: 1 });
      await eventually(() => handled === 1, 5000, 'delivery');
      await consumption.stop();
      await h.crash(first);
      const second = await h.connect();
      let redelivered = 0;
      await second.consume(async () => void (redelivered += 1), { prefetch: 1 });
      await sleep(500);
      expect(redelivered).toBe(0);
    })());

  test('a transient failure is retried, and the retry sees a higher delivery count', async ({ expect }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      await queue.publish({ message: taskMessage(), image: numberedImage(1) });
      const counts: number[] = [];
      await queue.consume(
        async (task) => {
          counts.push(task.deliveryCount);
          if (counts.length === 1) throw new UnavailableError('store is down');
        },
        { prefetch: 1 },
      );
      await eventually(() => counts.length === 2, 10_000, 'retry');
      expect(counts).toEqual([1, 2]);
      expect(await h.deadLettered()).toHaveLength(0);
    })());

  test('a message failing transiently past the delivery limit is dead-lettered, not retried forever', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      const message = taskMessage();
      await queue.publish({ message, image: numberedImage(1) });
      let attempts = 0;
      await queue.consume(
        async () => {
          attempts += 1;
          throw new Error('unexpected failure');
        },
        { prefetch: 1 },
      );
      await eventually(async () => (await h.deadLettered()).length === 1, 15_000, 'dead-lettering');
      await sleep(300);
      expect(attempts).toBe(h.deliveryLimit + 1);
      expect((await h.deadLettered())[0]).toMatchObject({ taskId: message.taskId });
    })());

  test('a permanent failure is dead-lettered at once', async ({ expect }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      await queue.publish({ message: taskMessage(), image: numberedImage(1) });
      let attempts = 0;
      await queue.consume(
        async () => {
          attempts += 1;
          throw new VisionqError('invalid_message', 'will never work');
        },
        { prefetch: 1 },
      );
      await eventually(async () => (await h.deadLettered()).length === 1, 10_000, 'dead-lettering');
      await sleep(200);
      expect(attempts).toBe(1);
    })());

  test('a message with invalid metadata or no image never reaches the handler, is dead-lettered, and the consumer goes on', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      await h.publishRaw({ ...taskMessage(), schemaVersion: 999 }, numberedImage(1));
      await h.publishRaw({ owner: 'alice' }, new Uint8Array(0));
      await h.publishRaw(taskMessage(), new Uint8Array(0));
      const good = taskMessage();
      await queue.publish({ message: good, image: numberedImage(2) });
      const received: DeliveredTask[] = [];
      await queue.consume(async (task) => void received.push(task), { prefetch: 1 });
      await eventually(() => received.length === 1, 5000, 'the valid message');
      await eventually(async () => (await h.deadLettered()).length === 3, 5000, 'three dead letters');
      expect(received.map((task) => task.message.taskId)).toEqual([good.taskId]);
    })());

  test('never has more than `prefetch` unsettled messages in a consumer', async ({ expect }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      for (let n = 0; n < 12; n += 1)
        await queue.publish({ message: taskMessage(), image: numberedImage(n) });
      let inFlight = 0;
      let peak = 0;
      let done = 0;
      await queue.consume(
        async () => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          await sleep(30);
          inFlight -= 1;
          done += 1;
        },
        { prefetch: 3 },
      );
      await eventually(() => done === 12, 10_000, 'all twelve');
      expect(peak).toBe(3);
    })());

  test('rejects a prefetch that is not a positive integer', async ({ expect }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      await expect(queue.consume(async () => undefined, { prefetch: 0 })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
      await expect(queue.consume(async () => undefined, { prefetch: 1.5 })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
    })());

  test('stop() lets in-flight handlers finish (and acks them), then delivers nothing more', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      for (let n = 0; n < 3; n += 1) await queue.publish({ message: taskMessage(), image: numberedImage(n) });
      const release = gate();
      const started = gate();
      let finished = 0;
      let calls = 0;
      const consumption = await queue.consume(
        async () => {
          calls += 1;
          started.open();
          await release.promise;
          finished += 1;
        },
        { prefetch: 1 },
      );
      await started.promise;
      const stopping = consumption.stop();
      await sleep(50);
      release.open();
      await stopping;
      expect(finished).toBe(1);
      await sleep(300);
      expect(calls).toBe(1);
      // The finished one was acknowledged; the other two wait for the next consumer.
      const next = await h.connect();
      const rest: number[] = [];
      await next.consume(async (task) => void rest.push(imageNumber(task.image)), { prefetch: 5 });
      await eventually(() => rest.length === 2, 5000, 'the remaining two');
      expect(rest.sort()).toEqual([1, 2]);
    })());

  test('competing consumers share the work', async ({ expect }) =>
    withHarness(async (h) => {
      const a = await h.connect();
      const b = await h.connect();
      const byConsumer = { a: 0, b: 0 };
      await a.consume(async () => void ((byConsumer.a += 1), await sleep(20)), { prefetch: 1 });
      await b.consume(async () => void ((byConsumer.b += 1), await sleep(20)), { prefetch: 1 });
      for (let n = 0; n < 10; n += 1) await a.publish({ message: taskMessage(), image: numberedImage(n) });
      await eventually(() => byConsumer.a + byConsumer.b === 10, 10_000, 'all ten');
      expect(byConsumer.a).toBeGreaterThan(0);
      expect(byConsumer.b).toBeGreaterThan(0);
    })());

  test('a closed client refuses publish and ping with UnavailableError', async ({ expect }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      await queue.ping();
      await queue.close();
      await expect(queue.publish({ message: taskMessage(), image: numberedImage(1) })).rejects.toBeInstanceOf(
        UnavailableError,
      );
      await expect(queue.ping()).rejects.toBeInstanceOf(UnavailableError);
      await queue.close();
    })());

  test('depth counts the messages waiting for a consumer', async ({ expect }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      expect(await queue.depth()).toBe(0);
      for (let n = 0; n < 3; n += 1) await queue.publish({ message: taskMessage(), image: numberedImage(n) });
      await eventually(async () => (await queue.depth()) === 3, 5000, 'a depth of 3');
    })());

  test('at its length limit, publish rejects with QueueFullError, queues nothing, and takes work again once it drains', async ({
    expect,
  }) =>
    withHarness(
      async (h) => {
        const queue = await h.connect();
        for (let n = 0; n < 3; n += 1)
          await queue.publish({ message: taskMessage(), image: numberedImage(n) });
        const refused = taskMessage();
        await expect(queue.publish({ message: refused, image: numberedImage(9) })).rejects.toBeInstanceOf(
          QueueFullError,
        );
        expect(await queue.depth()).toBe(3);
        const received: number[] = [];
        const consumption = await queue.consume(async (task) => void received.push(imageNumber(task.image)), {
          prefetch: 1,
        });
        await eventually(() => received.length === 3, 5000, 'the three queued');
        await consumption.stop();
        await queue.publish({ message: taskMessage(), image: numberedImage(4) });
        expect(received.sort()).toEqual([0, 1, 2]);
        expect(await h.deadLettered()).toHaveLength(0);
      },
      { maxLength: 3 },
    )());

  test('every dead letter reaches the dead-letter feed once: permanent failures and the delivery limit, not invalid metadata', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      // A dead letter tells its handler who to notify, as its message did.
      const permanent = taskMessage({
        owner: 'perm',
        notify: { channel: 'webhook', url: 'https://hooks.example.org/dead' },
        language: 'es',
      });
      const exhausted = taskMessage({ owner: 'exhausted' });
      await h.publishRaw({ ...taskMessage(), schemaVersion: 999 }, numberedImage(0));
      await queue.publish({ message: permanent, image: numberedImage(1) });
      await queue.publish({ message: exhausted, image: numberedImage(2) });
      const letters: DeadLetter[] = [];
      await queue.consumeDeadLetters(async (letter) => void letters.push(letter), { prefetch: 1 });
      await queue.consume(
        async (task) => {
          if (task.message.taskId === permanent.taskId) throw new VisionqError('invalid_image', 'never');
          throw new Error('crashes every time');
        },
        { prefetch: 1 },
      );
      await eventually(() => letters.length === 2, 15_000, 'two dead letters in the feed');
      await sleep(300);
      expect(letters.sort((a, b) => a.owner.localeCompare(b.owner))).toEqual([
        { taskId: exhausted.taskId, owner: 'exhausted' },
        {
          taskId: permanent.taskId,
          owner: 'perm',
          notify: { channel: 'webhook', url: 'https://hooks.example.org/dead' },
          language: 'es',
        },
      ]);
      expect(await h.deadLettered()).toHaveLength(3);
    })());

  test('a dead letter whose handler fails is offered again; one dead-lettered with no feed consumer waits for one', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const queue = await h.connect();
      const message = taskMessage();
      await queue.publish({ message, image: numberedImage(1) });
      await queue.consume(
        async () => {
          throw new VisionqError('invalid_image', 'never');
        },
        { prefetch: 1 },
      );
      await eventually(async () => (await h.deadLettered()).length === 1, 10_000, 'dead-lettering');
      const feeder = await h.connect();
      let attempts = 0;
      const ended: string[] = [];
      await feeder.consumeDeadLetters(
        async (letter) => {
          attempts += 1;
          if (attempts === 1) throw new UnavailableError('store is down');
          ended.push(letter.taskId);
        },
        { prefetch: 1 },
      );
      await eventually(() => ended.length === 1, 15_000, 'the second offer');
      expect(ended).toEqual([message.taskId]);
      expect(attempts).toBe(2);
    })());

  options.additionalTests?.(it);
}
