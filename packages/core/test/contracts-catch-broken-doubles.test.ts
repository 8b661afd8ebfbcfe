import { describe, expect, it } from 'vitest';
import {
  FakeClassifier,
  InMemoryBroker,
  InMemoryNotificationOutbox,
  InMemoryOutboxStorage,
  InMemoryResultStore,
  InMemoryStorage,
  InMemoryTaskQueue,
  type Classification,
  type ClassifyOptions,
  type ModelInfo,
  type NotificationOutbox,
  type NotificationStatus,
  type ResultRecord,
  type TaskOutcome,
  type TaskQueue,
} from '../src/index.js';
import {
  ONE_PIXEL_PNG,
  classifierContract,
  outboxContract,
  resultStoreContract,
  taskQueueContract,
  type ClassifierHarnessFactory,
  type ContractTestFn,
  type OutboxHarnessFactory,
  type ResultStoreHarnessFactory,
  type TaskQueueHarnessFactory,
} from '../src/testing/index.js';

// The suites prove themselves: each deliberately broken double below must fail the contract test that guards
// the promise it breaks (and the honest doubles pass them all, in memory-contracts.test.ts).

type Collected = { name: string; fn: Parameters<ContractTestFn>[1] };

function collect(register: (it: ContractTestFn) => void): Collected[] {
  const tests: Collected[] = [];
  register((name, fn) => tests.push({ name, fn }));
  return tests;
}

async function failures(register: (it: ContractTestFn) => void, only: string): Promise<string[]> {
  const failed: string[] = [];
  for (const test of collect(register).filter((t) => t.name.includes(only))) {
    await test.fn({ expect }).then(
      () => undefined,
      () => failed.push(test.name),
    );
  }
  return failed;
}

/** `target` with some methods replaced; the others stay bound to it. */
function override<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (property in overrides) return overrides[property as keyof T];
      const value = Reflect.get(object, property) as unknown;
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

function queueHarness(wrap: (queue: InMemoryTaskQueue) => TaskQueue): TaskQueueHarnessFactory {
  return async () => {
    const broker = new InMemoryBroker();
    const clients: InMemoryTaskQueue[] = [];
    const wrapped = new Map<TaskQueue, InMemoryTaskQueue>();
    return {
      deliveryLimit: 3,
      connect: async () => {
        const client = new InMemoryTaskQueue({ broker, queue: 'broken', deliveryLimit: 3 });
        clients.push(client);
        const outer = wrap(client);
        wrapped.set(outer, client);
        return outer;
      },
      crash: async (queue) => wrapped.get(queue)?.crash(),
      deadLettered: async () => broker.deadLettered('broken'),
      publishRaw: async (message, image) => broker.publishRaw('broken', message, image),
      cleanup: async () => void (await Promise.all(clients.map((client) => client.close()))),
    };
  };
}

function storeHarness(wrap: (store: InMemoryResultStore) => InMemoryResultStore): ResultStoreHarnessFactory {
  return async (ttl) => {
    const storage = new InMemoryStorage();
    const connect = async () => wrap(new InMemoryResultStore({ ...ttl, storage }));
    const store = await connect();
    return {
      store,
      connect,
      writeRaw: async (id, text) => store.writeRaw(id, text),
      cleanup: async () => undefined,
    };
  };
}

describe('the TaskQueue contract fails broken queues', () => {
  it('catches a queue that acknowledges before the handler has finished', async () => {
    const ackEarly = queueHarness((queue) =>
      override<TaskQueue>(queue, {
        consume: (handler: Parameters<TaskQueue['consume']>[0], options: { prefetch: number }) =>
          queue.consume(async (task) => void handler(task).catch(() => undefined), options),
      }),
    );
    expect(await failures((it) => taskQueueContract(it, ackEarly), 'acknowledges only after')).toHaveLength(
      1,
    );
  });

  it('catches a queue that retries permanent failures', async () => {
    const retryAll = queueHarness((queue) =>
      override<TaskQueue>(queue, {
        consume: (handler: Parameters<TaskQueue['consume']>[0], options: { prefetch: number }) =>
          queue.consume(async (task) => {
            await handler(task).catch((error: unknown) => {
              throw new Error('flattened', { cause: error });
            });
          }, options),
      }),
    );
    expect(await failures((it) => taskQueueContract(it, retryAll), 'permanent failure')).toHaveLength(1);
  });

  it('catches a queue that ignores prefetch', async () => {
    const greedy = queueHarness((queue) =>
      override<TaskQueue>(queue, {
        consume: (handler: Parameters<TaskQueue['consume']>[0], options: { prefetch: number }) =>
          queue.consume(handler, { prefetch: options.prefetch * 100 }),
      }),
    );
    expect(await failures((it) => taskQueueContract(it, greedy), 'more than `prefetch`')).toHaveLength(1);
  });
});

describe('the ResultStore contract fails broken stores', () => {
  it('catches a store where the last completion wins', async () => {
    const lastWins = storeHarness((store) => {
      const complete = async (taskId: string, owner: string, outcome: TaskOutcome): Promise<ResultRecord> => {
        await store.delete(taskId);
        return store.complete(taskId, owner, outcome);
      };
      return override(store, { complete });
    });
    expect(await failures((it) => resultStoreContract(it, lastWins), 'first completion wins')).toHaveLength(
      1,
    );
  });

  it('catches a store whose waitFor sleeps instead of waking on completion', async () => {
    const sleepy = storeHarness((store) => {
      const waitFor = async (taskId: string, timeoutMs: number) => {
        await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 1_000)));
        return store.get(taskId);
      };
      return override(store, { waitFor });
    });
    expect(await failures((it) => resultStoreContract(it, sleepy), 'waitFor wakes the moment')).toHaveLength(
      1,
    );
  });
});

/** A FakeClassifier harness whose classifiers answer through `broken` instead of as they should. */
function classifierHarness(
  broken: (
    fake: FakeClassifier,
    images: readonly Uint8Array[],
    options?: ClassifyOptions,
  ) => Promise<Classification[]>,
): ClassifierHarnessFactory {
  const wrap = (model?: ModelInfo) => {
    const fake = new FakeClassifier(model ? { model } : {});
    return Object.assign(Object.create(fake) as FakeClassifier, {
      model: fake.model,
      classify: (images: readonly Uint8Array[], options?: ClassifyOptions) => broken(fake, images, options),
      close: () => fake.close(),
    });
  };
  return async () => {
    const classifier = wrap();
    const png = (n: number) => Uint8Array.from([...ONE_PIXEL_PNG, n]);
    return {
      classifier,
      images: async () => [png(1), png(2), png(3)],
      undecodable: async () => [new Uint8Array(0)],
      withRule: async (rule) =>
        wrap({ name: 'fake', version: '1', labels: classifier.model.labels, ...rule }),
      cleanup: () => classifier.close(),
    };
  };
}

describe('the Classifier contract fails broken classifiers', () => {
  it('catches a classifier that ignores the floor given with the call', async () => {
    const deaf = classifierHarness((fake, images) => fake.classify(images));
    expect(await failures((it) => classifierContract(it, deaf), 'given with the call')).toHaveLength(1);
  });

  it('catches a classifier that never names its none label', async () => {
    const unnamed = classifierHarness(async (fake, images, options) =>
      (await fake.classify(images, options)).map((result) =>
        result.ok
          ? { ok: true, prediction: { ...result.prediction, label: result.prediction.top_k[0]?.label ?? '' } }
          : result,
      ),
    );
    expect(await failures((it) => classifierContract(it, unnamed), 'name the none label')).toHaveLength(1);
  });
});

function outboxHarness(
  wrap: (outbox: InMemoryNotificationOutbox) => NotificationOutbox,
  now?: () => number,
): OutboxHarnessFactory {
  return async (settings) => {
    const storage = new InMemoryOutboxStorage();
    const raw = new InMemoryNotificationOutbox({ ...settings, storage, ...(now && { now }) });
    return {
      outbox: wrap(raw),
      connect: async () =>
        wrap(new InMemoryNotificationOutbox({ ...settings, storage, ...(now && { now }) })),
      appendRaw: async (text) => raw.appendRaw(text),
      cleanup: async () => undefined,
    };
  };
}

describe('the NotificationOutbox contract fails broken outboxes', () => {
  it('catches an outbox that never offers an abandoned entry again', async () => {
    // A clock that stands still: no claim ever goes idle.
    const forgetful = outboxHarness(
      (outbox) => outbox,
      () => 0,
    );
    expect(await failures((it) => outboxContract(it, forgetful), 'offered again')).toHaveLength(1);
  });

  it('catches an outbox that hands one entry to every consumer', async () => {
    const sharing = outboxHarness((outbox) =>
      override<NotificationOutbox>(outbox, {
        claim: async (consumer: string, count: number) => {
          const claimed = await outbox.claim(consumer, count);
          // Hands its claims straight back: the next consumer gets them too.
          for (const { receipt } of claimed) await outbox.settle(receipt);
          for (const { entry } of claimed) await outbox.append(entry);
          return claimed;
        },
      }),
    );
    expect(await failures((it) => outboxContract(it, sharing), 'never share')).toHaveLength(1);
  });
});

describe('the ResultStore contract fails a store whose notification outlives the result', () => {
  it('catches recordNotification that renews the record', async () => {
    const renewing = storeHarness((store) =>
      override(store, {
        recordNotification: async (taskId: string, status: NotificationStatus) => {
          const current = await store.get(taskId);
          if (!current) return undefined;
          const next = { ...current, notification: status } as ResultRecord;
          // Rewritten with a fresh expiry, as a plain SET without KEEPTTL would.
          store.writeRaw(taskId, JSON.stringify(next));
          return next;
        },
      }),
    );
    expect(
      await failures((it) => resultStoreContract(it, renewing), 'never makes a record live past'),
    ).toHaveLength(1);
  });
});
