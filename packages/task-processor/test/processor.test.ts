import {
  FakeClassifier,
  InMemoryBroker,
  InMemoryResultStore,
  InMemoryTaskQueue,
  UnavailableError,
  UnsupportedTypeError,
  newQueuedRecord,
  type Classification,
  type ResultStore,
  type TaskMessage,
} from '@visionq/core';
import { ONE_PIXEL_PNG, eventually, gate, taskMessage } from '@visionq/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskProcessor, type TaskProcessor } from '../src/index.js';

const image = (n: number) => Uint8Array.from([...ONE_PIXEL_PNG, n]);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function setup(overrides: { classifier?: FakeClassifier; store?: ResultStore; maxBatch?: number } = {}) {
  const broker = new InMemoryBroker();
  const store = overrides.store ?? new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
  const classifier = overrides.classifier ?? new FakeClassifier();
  const producer = new InMemoryTaskQueue({ broker, deliveryLimit: 3 });
  const processors: TaskProcessor[] = [];
  const startWorker = async (maxBatch = overrides.maxBatch ?? 4) => {
    const queue = new InMemoryTaskQueue({ broker, deliveryLimit: 3 });
    const processor = createTaskProcessor({
      queue,
      store,
      classifier,
      prefetch: maxBatch * 2,
      maxBatch,
      maxDelayMs: 20,
    });
    await processor.start();
    processors.push(processor);
    return { queue, processor };
  };
  const submit = async (
    bytes: Uint8Array,
    owner = 'alice',
    minConfidence?: number,
    more: Partial<TaskMessage> = {},
  ) => {
    const message = taskMessage({ owner, ...(minConfidence !== undefined && { minConfidence }), ...more });
    await store.create(newQueuedRecord(message.taskId, owner));
    await producer.publish({ message, image: bytes });
    return message.taskId;
  };
  cleanups.push(async () => {
    await Promise.all(processors.map((processor) => processor.stop()));
  });
  return { broker, store, classifier, startWorker, submit };
}

describe('createTaskProcessor', () => {
  it('classifies every task and stores a succeeded record', async () => {
    const { store, startWorker, submit } = setup();
    await startWorker();
    const ids = await Promise.all(Array.from({ length: 10 }, (_, n) => submit(image(n))));
    const records = await Promise.all(ids.map((id) => store.waitFor(id, 5_000)));
    for (const record of records)
      expect(record).toMatchObject({ status: 'succeeded', model: { name: 'fake' } });
  });

  it("applies each task's own confidence floor, even to tasks sharing a batch", async () => {
    const noneLabel = { id: 'no_sign', names: { en: 'No sign recognised' } };
    const classifier = new FakeClassifier({
      model: { ...new FakeClassifier().model, noneLabel, minConfidence: 0.99 },
    });
    const { store, startWorker, submit } = setup({ classifier });
    await startWorker();
    const [strict, lenient, modelFloor] = await Promise.all([
      submit(image(1), 'alice', 1),
      submit(image(1), 'alice', 0),
      submit(image(1)),
    ]);
    const result = async (id: string | undefined) => {
      const record = await store.waitFor(id as string, 5_000);
      return record?.status === 'succeeded' ? record.result : undefined;
    };
    expect(await result(strict)).toMatchObject({ recognized: false, label: 'no_sign' });
    const guess = await result(lenient);
    expect(guess).toMatchObject({ recognized: true });
    expect(guess?.label).toBe(guess?.top_k[0]?.label);
    expect(await result(modelFloor)).toMatchObject({ recognized: false, label: 'no_sign' });
  });

  it('classifies tasks that arrive together in one batch, never above maxBatch', async () => {
    const classifier = new FakeClassifier({ delayMs: 30 });
    const sizes: number[] = [];
    const classify = classifier.classify.bind(classifier);
    classifier.classify = async (images) => (sizes.push(images.length), classify(images));
    const { store, startWorker, submit } = setup({ classifier, maxBatch: 4 });
    const ids = await Promise.all(Array.from({ length: 12 }, (_, n) => submit(image(n))));
    await startWorker(4);
    await Promise.all(ids.map((id) => store.waitFor(id, 5_000)));
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('a costly image is classified alone, one at a time, and the tasks that arrive with it do not wait', async () => {
    const hold = gate();
    const slow = new FakeClassifier();
    const classify = slow.classify.bind(slow);
    const calls: number[][] = [];
    const isCostly = (bytes: Uint8Array) => (bytes.at(-1) as number) >= 100;
    slow.classify = async (images) => {
      calls.push(images.map((bytes) => bytes.at(-1) as number));
      if (images.some(isCostly)) await hold.promise;
      return classify(images);
    };
    const { store, startWorker, submit } = setup({ classifier: slow });
    await startWorker();
    const costly = await Promise.all(
      [100, 101].map((n) => submit(image(n), 'mallory', undefined, { decodeUnits: 27 })),
    );
    // Bob's arrive in the same batching window; one costs 3 photos, under the default threshold of 4.
    const cheap = await Promise.all(
      [1, 2, 3].map((n) => submit(image(n), 'bob', undefined, n === 3 ? { decodeUnits: 3 } : {})),
    );
    for (const record of await Promise.all(cheap.map((id) => store.waitFor(id, 5_000))))
      expect(record?.status).toBe('succeeded');
    // One costly image in the classifier, alone; the other waits for it, not beside Bob's.
    expect(calls.filter((call) => call.some((n) => n >= 100))).toEqual([[100]]);
    hold.open();
    for (const record of await Promise.all(costly.map((id) => store.waitFor(id, 5_000))))
      expect(record?.status).toBe('succeeded');
    expect(calls.filter((call) => call.some((n) => n >= 100))).toEqual([[100], [101]]);
  });

  it('ends an undecodable image as failed with invalid_image, and acknowledges it', async () => {
    const { broker, store, startWorker, submit } = setup();
    await startWorker();
    const id = await submit(new TextEncoder().encode('definitely not an image'));
    expect(await store.waitFor(id, 5_000)).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_image' },
    });
    await eventually(() => broker.depth('visionq.tasks') === 0);
    expect(broker.deadLettered('visionq.tasks')).toEqual([]);
  });

  it('a worker that dies mid-batch leaves its tasks to the next worker, which ends them all', async () => {
    const hold = gate();
    const stuck = new FakeClassifier();
    const classify = stuck.classify.bind(stuck);
    let calls = 0;
    stuck.classify = async (images) =>
      calls++ === 0 ? (await hold.promise, classify(images)) : classify(images);
    const { store, startWorker, submit } = setup({ classifier: stuck });
    const first = await startWorker();
    const ids = await Promise.all(Array.from({ length: 4 }, (_, n) => submit(image(n))));
    await eventually(() => calls === 1, 5_000, 'the first batch to start');
    first.queue.crash();
    await startWorker();
    const records = await Promise.all(ids.map((id) => store.waitFor(id, 5_000)));
    for (const record of records) expect(record?.status).toBe('succeeded');
    hold.open();
  });

  it('rides out a store outage: completion is retried with backoff and the task is not lost', async () => {
    const real = new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
    let failures = 3;
    const flaky = new Proxy(real, {
      get(target, property) {
        if (property === 'complete' && failures > 0) {
          return async () => {
            failures -= 1;
            throw new UnavailableError('store is down');
          };
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { broker, startWorker, submit } = setup({ store: flaky });
    await startWorker();
    const id = await submit(image(1));
    expect(await real.waitFor(id, 10_000)).toMatchObject({ status: 'succeeded' });
    expect(failures).toBe(0);
    expect(broker.deadLettered('visionq.tasks')).toEqual([]);
  });

  it('a redelivered task that already ended is acknowledged without classifying it again', async () => {
    const classifier = new FakeClassifier();
    let classified = 0;
    const classify = classifier.classify.bind(classifier);
    classifier.classify = async (images) => ((classified += images.length), classify(images));
    const { store, startWorker, submit } = setup({ classifier });
    const message = taskMessage();
    await store.complete(message.taskId, 'alice', {
      status: 'failed',
      error: { code: 'invalid_image', message: 'x' },
    });
    await startWorker();
    const id = await submit(image(1));
    await store.waitFor(id, 5_000);
    expect(classified).toBe(1);
  });

  it('an image the classifier refuses for good ends failed with that reason, never stuck in processing', async () => {
    const picky = new FakeClassifier();
    picky.classify = async (images) =>
      images.map(() => ({ ok: false as const, error: new UnsupportedTypeError('not an image we know') }));
    const { broker, store, startWorker, submit } = setup({ classifier: picky });
    await startWorker();
    const id = await submit(image(1));
    expect(await store.waitFor(id, 5_000)).toMatchObject({
      status: 'failed',
      error: { code: 'unsupported_type' },
    });
    expect(broker.deadLettered('visionq.tasks')).toEqual([]);
  });

  it('a classifier failure (not the image) is retried, dead-lettered, and ends processing_failed, not its own error', async () => {
    const broken = new FakeClassifier();
    broken.classify = async (): Promise<Classification[]> => {
      throw new UnavailableError('model crashed');
    };
    const { broker, store, startWorker, submit } = setup({ classifier: broken });
    await startWorker();
    const id = await submit(image(1));
    await eventually(() => broker.deadLettered('visionq.tasks').length === 1, 5_000, 'dead-lettering');
    await eventually(async () => (await store.get(id))?.status === 'failed', 5_000, 'the end');
    expect(await store.get(id)).toMatchObject({ error: { code: 'processing_failed' } });
  });

  it('stop() finishes the tasks in hand before resolving', async () => {
    const { store, startWorker, submit } = setup({ classifier: new FakeClassifier({ delayMs: 100 }) });
    const { processor } = await startWorker();
    const id = await submit(image(1));
    await eventually(async () => (await store.get(id))?.status === 'processing');
    await processor.stop();
    expect((await store.get(id))?.status).toBe('succeeded');
  });

  it('holds a full prefetch of tasks retrying their store writes without a MaxListenersExceededWarning', async () => {
    const real = new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
    const open = gate();
    let marking = 0;
    // Every markProcessing waits until all 16 are in flight: 16 retries hold the stop signal at once.
    const slow = new Proxy(real, {
      get(target, property) {
        if (property !== 'markProcessing') {
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (taskId: string) => {
          marking += 1;
          await open.promise;
          return target.markProcessing(taskId);
        };
      },
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const { startWorker, submit } = setup({ store: slow, maxBatch: 8 });
      await startWorker();
      const ids = await Promise.all(Array.from({ length: 16 }, (_, n) => submit(image(n))));
      await eventually(() => marking === 16, 5_000, 'every task of the prefetch marking itself processing');
      open.open();
      await Promise.all(ids.map((id) => real.waitFor(id, 5_000)));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
  });
});
