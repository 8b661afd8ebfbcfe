import { describe, it } from 'vitest';
import {
  FakeClassifier,
  InMemoryBroker,
  InMemoryResultStore,
  InMemoryStorage,
  InMemoryTaskQueue,
  StaticTokenVerifier,
} from '../src/index.js';
import {
  ONE_PIXEL_PNG,
  classifierContract,
  resultStoreContract,
  taskQueueContract,
  tokenVerifierContract,
} from '../src/testing/index.js';

describe('InMemoryTaskQueue', () => {
  taskQueueContract(it, async () => {
    const broker = new InMemoryBroker();
    const clients: InMemoryTaskQueue[] = [];
    const deliveryLimit = 3;
    return {
      deliveryLimit,
      connect: async () => {
        const client = new InMemoryTaskQueue({ broker, queue: 'contract', deliveryLimit });
        clients.push(client);
        return client;
      },
      crash: async (queue) => (queue as InMemoryTaskQueue).crash(),
      deadLettered: async () => broker.deadLettered('contract'),
      publishRaw: async (message, image) => broker.publishRaw('contract', message, image),
      cleanup: async () => {
        await Promise.all(clients.map((client) => client.close()));
      },
    };
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
    const png = (n: number) => Uint8Array.from([...ONE_PIXEL_PNG, n]);
    return {
      classifier,
      images: async () => [png(1), png(2), png(3)],
      undecodable: async () => [new Uint8Array(0), new TextEncoder().encode('<svg></svg>')],
      cleanup: () => classifier.close(),
    };
  });
});
