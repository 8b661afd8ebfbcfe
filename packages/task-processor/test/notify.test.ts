import {
  FakeClassifier,
  InMemoryNotificationOutbox,
  InMemoryResultStore,
  InvalidRequestError,
  UnavailableError,
  newQueuedRecord,
  notificationId,
  type Classification,
  type NotifyTarget,
  type OutboxEntry,
  type TaskMessage,
} from '@visionq/core';
import {
  ONE_PIXEL_PNG,
  eventually,
  gate,
  sleep,
  taskMessage,
  type TaskQueueHarness,
} from '@visionq/core/testing';
import { describe, expect } from 'vitest';
import { queues, testOn } from './support/queues.js';
import { createTaskProcessor, type TaskProcessorOptions } from '../src/index.js';

// A task whose message names someone to notify owes an outbox entry once its record is stored and before its
// message is acknowledged. On the in-memory queue and on RabbitMQ alike.

const POISON = 0xff;
const image = (n: number) => Uint8Array.from([...ONE_PIXEL_PNG, n]);
const webhook: NotifyTarget = { channel: 'webhook', url: 'https://hooks.example.org/visionq' };
const device: NotifyTarget = { channel: 'fcm', token: 'device-token-1' };

class PoisonedClassifier extends FakeClassifier {
  override async classify(images: readonly Uint8Array[]): Promise<Classification[]> {
    if (images.some((bytes) => bytes[bytes.length - 1] === POISON)) throw new Error('worker crashed');
    return super.classify(images);
  }
}

/** An outbox that records appends and can be made to fail or hold them. */
class ObservedOutbox extends InMemoryNotificationOutbox {
  readonly appended: OutboxEntry[] = [];
  failWith: Error | undefined;
  hold: Promise<void> | undefined;
  override async append(entry: OutboxEntry): Promise<void> {
    await this.hold;
    if (this.failWith) throw this.failWith;
    await super.append(entry);
    this.appended.push(entry);
  }
}

async function setup(harness: TaskQueueHarness, more: Partial<TaskProcessorOptions> = {}) {
  const store = new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
  const outbox = new ObservedOutbox({ idleMs: 60_000 });
  const queue = await harness.connect();
  const processor = createTaskProcessor({
    queue,
    store,
    classifier: new PoisonedClassifier(),
    outbox,
    prefetch: 4,
    maxBatch: 2,
    maxDelayMs: 10,
    retry: { maxRetryTimeMs: 50, initialDelayMs: 5, maxDelayMs: 10 },
    ...more,
  });
  const producer = await harness.connect();
  const submit = async (overrides: Partial<TaskMessage>, n = 1) => {
    const message = taskMessage(overrides);
    await store.create(newQueuedRecord(message.taskId, message.owner));
    await producer.publish({ message, image: image(n) });
    return message.taskId;
  };
  return { store, outbox, processor, submit, queue };
}

describe.each(queues)('notifications owed, on $name', (queue) => {
  const run = testOn(queue);

  run(
    'an ended task with a target owes one entry, named after the task; one without owes none',
    async (h) => {
      const { store, outbox, processor, submit } = await setup(h);
      const toServer = await submit({ notify: webhook, language: 'es' });
      const toDevice = await submit({ notify: device });
      const silent = await submit({});
      await processor.start();
      try {
        for (const id of [toServer, toDevice, silent])
          expect((await store.waitFor(id, 20_000))?.status).toBe('succeeded');
        await eventually(() => outbox.appended.length === 2, 5_000, 'two entries');
        await sleep(200);
        const claimed = await outbox.claim('test', 10);
        expect(
          claimed.map((c) => c.entry).sort((a, b) => a.target.channel.localeCompare(b.target.channel)),
        ).toEqual([
          { id: notificationId(toDevice), taskId: toDevice, target: device },
          { id: notificationId(toServer), taskId: toServer, target: webhook, language: 'es' },
        ]);
      } finally {
        await processor.stop();
      }
    },
  );

  run(
    'the message waits for the entry: a worker that dies before appending it leaves it to the next',
    async (h) => {
      const first = await setup(h);
      const held = gate();
      first.outbox.hold = held.promise;
      const id = await first.submit({ notify: webhook });
      await first.processor.start();
      await eventually(async () => (await first.store.get(id))?.status === 'succeeded', 20_000, 'the result');
      await sleep(100);
      // The worker dies with the entry unwritten: its message goes back to the queue, unacknowledged, and the
      // next worker finds the task ended and owes the entry itself.
      await h.crash(first.queue);
      const outbox = new ObservedOutbox({ idleMs: 60_000 });
      const second = createTaskProcessor({
        queue: await h.connect(),
        store: first.store,
        classifier: new PoisonedClassifier(),
        outbox,
        prefetch: 1,
        maxBatch: 1,
        maxDelayMs: 1,
      });
      await second.start();
      try {
        await eventually(() => outbox.appended.length === 1, 20_000, 'the entry, from the second worker');
        expect(outbox.appended[0]).toMatchObject({ id: notificationId(id), taskId: id, target: webhook });
        expect(await first.store.get(id)).toMatchObject({ status: 'succeeded' });
      } finally {
        held.open();
        await second.stop();
        await first.processor.stop().catch(() => undefined);
      }
    },
  );

  run('a dead-lettered task with a target is notified of its processing_failed end', async (h) => {
    const { store, outbox, processor, submit } = await setup(h);
    const id = await submit({ notify: device, language: 'de' }, POISON);
    await processor.start();
    try {
      await eventually(
        async () => (await store.get(id))?.status === 'failed',
        30_000,
        'the dead letter ends',
      );
      await eventually(() => outbox.appended.length >= 1, 5_000, 'its entry');
      expect(outbox.appended[0]).toEqual({
        id: notificationId(id),
        taskId: id,
        target: device,
        language: 'de',
      });
    } finally {
      await processor.stop();
    }
  });

  run('a cancelled task is never notified', async (h) => {
    const { store, outbox, processor, submit } = await setup(h);
    const cancelled = await submit({ notify: webhook });
    const kept = await submit({ notify: webhook });
    await store.cancel(cancelled);
    await processor.start();
    try {
      expect((await store.waitFor(kept, 20_000))?.status).toBe('succeeded');
      await eventually(() => outbox.appended.length === 1, 5_000, 'one entry');
      await sleep(300);
      expect(outbox.appended.map((e) => e.taskId)).toEqual([kept]);
    } finally {
      await processor.stop();
    }
  });

  run('an outbox that refuses for good never fails the task: it is reported and acknowledged', async (h) => {
    const lost: string[] = [];
    const { store, outbox, processor, submit } = await setup(h, {
      events: { notificationLost: (taskId) => void lost.push(taskId) },
    });
    outbox.failWith = new InvalidRequestError('refused');
    const id = await submit({ notify: webhook });
    await processor.start();
    try {
      await eventually(() => lost.length === 1, 20_000, 'the loss reported');
      await sleep(300);
      expect(lost).toEqual([id]);
      expect(await store.get(id)).toMatchObject({ status: 'succeeded' });
      expect(await h.deadLettered()).toHaveLength(0);
    } finally {
      await processor.stop();
    }
  });

  run(
    'an outbox that is down hands the message back; the redelivery owes the entry once it is up',
    async (h) => {
      const { store, outbox, processor, submit } = await setup(h);
      outbox.failWith = new UnavailableError('redis is down');
      const id = await submit({ notify: webhook });
      await processor.start();
      try {
        await eventually(async () => (await store.get(id))?.status === 'succeeded', 20_000, 'the result');
        await sleep(100);
        outbox.failWith = undefined;
        await eventually(() => outbox.appended.length === 1, 20_000, 'the entry after the outage');
        expect(outbox.appended[0]?.taskId).toBe(id);
        expect(await h.deadLettered()).toHaveLength(0);
      } finally {
        await processor.stop();
      }
    },
  );
});
