import {
  FakeClassifier,
  InMemoryResultStore,
  newQueuedRecord,
  type Classification,
  type ResultStore,
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
import { createTaskProcessor } from '../src/index.js';

// Every task ends: a dead-lettered one `processing_failed`, a cancelled one unclassified, one past its deadline
// `deadline_exceeded` whatever comes later. On the in-memory queue and on RabbitMQ alike.

const POISON = 0xff;
const image = (n: number) => Uint8Array.from([...ONE_PIXEL_PNG, n]);

/** A classifier that fails (as a crash would, transiently) on the poison image, and counts what it sees. */
class CountingClassifier extends FakeClassifier {
  readonly seen: number[] = [];
  hold: Promise<void> | undefined;
  override async classify(images: readonly Uint8Array[]): Promise<Classification[]> {
    this.seen.push(...images.map((bytes) => bytes[bytes.length - 1] as number));
    await this.hold;
    if (images.some((bytes) => bytes[bytes.length - 1] === POISON)) throw new Error('worker crashed');
    return super.classify(images);
  }
}

async function setup(harness: TaskQueueHarness, store: ResultStore, classifier: CountingClassifier) {
  const processor = createTaskProcessor({
    queue: await harness.connect(),
    store,
    classifier,
    prefetch: 8,
    maxBatch: 4,
    maxDelayMs: 20,
    retry: { maxRetryTimeMs: 30, initialDelayMs: 5, maxDelayMs: 10 },
  });
  const producer = await harness.connect();
  const submit = async (n: number) => {
    const message = taskMessage();
    await store.create(newQueuedRecord(message.taskId, message.owner));
    await producer.publish({ message, image: image(n) });
    return message.taskId;
  };
  return { processor, submit };
}

describe.each(queues)('every task ends, on $name', (queue) => {
  const run = testOn(queue);

  run(
    'a task that fails every delivery ends failed/processing_failed; its batch-mates succeed',
    async (h) => {
      const store = new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
      const classifier = new CountingClassifier();
      const { processor, submit } = await setup(h, store, classifier);
      const poison = await submit(POISON);
      const others = await Promise.all([1, 2, 3, 4, 5, 6].map(submit));
      await processor.start();
      try {
        await eventually(
          async () => (await store.get(poison))?.status === 'failed',
          30_000,
          'the poison ends',
        );
        expect(await store.get(poison)).toMatchObject({ error: { code: 'processing_failed' } });
        // Batches that held the poison failed as a whole and were tried again; every other task ends well.
        for (const id of others) expect((await store.waitFor(id, 30_000))?.status).toBe('succeeded');
        expect(classifier.seen.filter((n) => n === POISON)).toHaveLength(h.deliveryLimit + 1);
      } finally {
        await processor.stop();
      }
    },
  );

  run('a task cancelled while queued is acknowledged and never classified', async (h) => {
    const store = new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
    const classifier = new CountingClassifier();
    const { processor, submit } = await setup(h, store, classifier);
    const cancelled = await submit(7);
    const kept = await submit(8);
    await store.cancel(cancelled);
    await processor.start();
    try {
      expect((await store.waitFor(kept, 30_000))?.status).toBe('succeeded');
      await sleep(200);
      expect(classifier.seen).toEqual([8]);
      expect(await store.get(cancelled)).toMatchObject({ status: 'cancelled' });
      expect(await h.deadLettered()).toHaveLength(0);
    } finally {
      await processor.stop();
    }
  });

  run('a task cancelled while it is classified ends cancelled: the late result is dropped', async (h) => {
    const store = new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
    const classifier = new CountingClassifier();
    const held = gate();
    classifier.hold = held.promise;
    const { processor, submit } = await setup(h, store, classifier);
    const id = await submit(9);
    await processor.start();
    try {
      await eventually(() => classifier.seen.length === 1, 10_000, 'classification to start');
      await store.cancel(id);
      held.open();
      await sleep(300);
      expect(await store.get(id)).toMatchObject({ status: 'cancelled' });
    } finally {
      await processor.stop();
    }
  });

  run(
    'a task still held past its deadline ends deadline_exceeded, and the late result does not replace it',
    async (h) => {
      const store = new InMemoryResultStore({
        resultTtlMs: 60_000,
        pendingTtlMs: 60_000,
        taskDeadlineMs: 800,
      });
      const classifier = new CountingClassifier();
      const held = gate();
      classifier.hold = held.promise;
      const { processor, submit } = await setup(h, store, classifier);
      const id = await submit(10);
      await processor.start();
      try {
        const answer = await store.waitFor(id, 10_000);
        expect(answer).toMatchObject({ status: 'failed', error: { code: 'deadline_exceeded' } });
        held.open();
        await sleep(300);
        expect(await store.get(id)).toEqual(answer);
        expect(await h.deadLettered()).toHaveLength(0);
      } finally {
        await processor.stop();
      }
    },
  );
});
