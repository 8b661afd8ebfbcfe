import { describe, expect, it } from 'vitest';
import {
  FakeClassifier,
  InMemoryNotificationOutbox,
  InMemoryOutboxStorage,
  InMemoryResultStore,
  InMemoryStorage,
  InMemoryTaskQueue,
  RecordingNotifier,
  StaticTokenVerifier,
} from '../src/index.js';
import {
  ONE_PIXEL_PNG,
  classifierContract,
  gate,
  inMemoryTaskQueueHarness,
  notifierContract,
  outboxContract,
  taskMessage,
  resultStoreContract,
  taskQueueContract,
  tokenVerifierContract,
} from '../src/testing/index.js';

describe('InMemoryTaskQueue', () => {
  taskQueueContract(it, async (options) => inMemoryTaskQueueHarness({ deliveryLimit: 3, ...options }));
});

describe('InMemoryTaskQueue images', () => {
  const deliver = async (copyImages: boolean | undefined, image: Uint8Array) => {
    const queue = new InMemoryTaskQueue(copyImages === undefined ? {} : { copyImages });
    const delivered = gate();
    let got: Uint8Array | undefined;
    await queue.publish({ message: taskMessage(), image });
    image[0] = 0; // the publisher reuses its buffer
    await queue.consume(
      async (task) => {
        got = task.image;
        delivered.open();
      },
      { prefetch: 1 },
    );
    await delivered.promise;
    await queue.close();
    return got;
  };

  it('delivers a copy by default, so a publisher may reuse its buffer', async () => {
    const image = Uint8Array.from(ONE_PIXEL_PNG);
    const got = await deliver(undefined, image);
    expect(got).not.toBe(image);
    expect(got).toEqual(Uint8Array.from(ONE_PIXEL_PNG));
  });

  it('with copyImages: false, delivers the publisher’s own buffer', async () => {
    const image = Uint8Array.from(ONE_PIXEL_PNG);
    expect(await deliver(false, image)).toBe(image);
  });
});

describe('InMemoryResultStore', () => {
  resultStoreContract(it, async (ttl) => {
    const storage = new InMemoryStorage();
    const clients: InMemoryResultStore[] = [];
    const connect = async () => {
      const client = new InMemoryResultStore({ ...ttl, storage });
      clients.push(client);
      return client;
    };
    const store = await connect();
    return {
      store,
      connect,
      writeRaw: async (taskId, text) => store.writeRaw(taskId, text),
      cleanup: async () => {
        await Promise.all(clients.map((client) => client.close()));
      },
    };
  });
});

describe('InMemoryNotificationOutbox', () => {
  outboxContract(it, async (settings) => {
    const storage = new InMemoryOutboxStorage();
    const clients: InMemoryNotificationOutbox[] = [];
    const connect = async () => {
      const client = new InMemoryNotificationOutbox({ ...settings, storage });
      clients.push(client);
      return client;
    };
    const outbox = (await connect()) as InMemoryNotificationOutbox;
    return {
      outbox,
      connect,
      appendRaw: async (text) => outbox.appendRaw(text),
      cleanup: async () => {
        await Promise.all(clients.map((client) => client.close()));
      },
    };
  });
});

describe('StaticTokenVerifier', () => {
  tokenVerifierContract(it, async () => {
    const verifier = new StaticTokenVerifier({
      'token-alice-123': 'alice-123',
      'token-user-a': 'user-a',
      'token-user-b': 'user-b',
    });
    return {
      verifier,
      validToken: async (uid) => `token-${uid}`,
      rejectedTokens: async () => [
        { name: 'unknown token', token: 'token-mallory', reason: 'invalid' },
        { name: 'whitespace', token: '   ', reason: 'missing' },
      ],
      cleanup: () => verifier.close(),
    };
  });
});

describe('FakeClassifier', () => {
  classifierContract(it, async () => {
    const classifier = new FakeClassifier();
    const others: FakeClassifier[] = [];
    const png = (n: number) => Uint8Array.from([...ONE_PIXEL_PNG, n]);
    return {
      classifier,
      images: async () => [png(1), png(2), png(3)],
      undecodable: async () => [new Uint8Array(0), new TextEncoder().encode('<svg></svg>')],
      withRule: async (rule) => {
        const { noneLabel: _, minConfidence: __, ...model } = classifier.model;
        const other = new FakeClassifier({ model: { ...model, ...rule } });
        others.push(other);
        return other;
      },
      cleanup: () => Promise.all([classifier, ...others].map((c) => c.close())).then(() => undefined),
    };
  });
});

describe('RecordingNotifier', () => {
  notifierContract(it, async () => {
    const notifier = new RecordingNotifier({
      channel: 'webhook',
      maxRetryTimeMs: 2_000,
      initialDelayMs: 50,
      maxDelayMs: 400,
      attemptTimeoutMs: 300,
    });
    return {
      notifier,
      target: { channel: 'webhook', url: 'https://hooks.example.org/visionq' },
      foreignTarget: { channel: 'fcm', token: 'a-device-token' },
      retryTimeMs: 2_000,
      answerNext: (steps) => notifier.answerNext(steps),
      received: async () =>
        notifier.attempts.map(({ notification }) => ({
          id: notification.id,
          taskId: notification.record.task_id,
          status: notification.record.status,
        })),
      cleanup: () => notifier.close(),
    };
  });
});
