import { randomUUID } from 'node:crypto';
import type { ResultStoreHarness, ResultStoreHarnessOptions } from '@visionq/core/testing';
import type { Redis, RedisOptions } from 'ioredis';
import {
  createRedisClient,
  createRedisResultStore,
  whenRedisReady,
  type RedisResultStore,
} from '../src/index.js';
import { KeyLayout } from '../src/keys.js';

/** Stores on one fresh key prefix, each with its own client, all removed by `cleanup`. */
export interface RedisHarness extends ResultStoreHarness {
  store: RedisResultStore;
  keys: KeyLayout;
  /** The client of `store`. */
  client: Redis;
  /** Another store on the same prefix, with its own client (`clientOptions` replacing the harness's). */
  connect(clientOptions?: RedisOptions): Promise<RedisResultStore>;
}

/** A Redis URL, or a function making a client with the given options (a Sentinel client, say). */
export type RedisTarget = string | ((options: RedisOptions) => Redis);

export async function redisHarness(
  target: RedisTarget,
  ttl: Partial<ResultStoreHarnessOptions> = {},
  clientOptions: RedisOptions = {},
): Promise<RedisHarness> {
  const keys = new KeyLayout(`visionq-test:${randomUUID()}:`);
  const make = (options: RedisOptions) =>
    typeof target === 'string' ? createRedisClient(target, options) : target(options);
  const clients: Redis[] = [];
  const stores: RedisResultStore[] = [];
  const connect = async (options = clientOptions) => {
    const client = make(options);
    client.on('error', () => undefined);
    clients.push(client);
    const store = createRedisResultStore({ client, keyPrefix: keys.prefix, ...ttl });
    stores.push(store);
    return store;
  };
  const store = await connect();
  const client = clients[0] as Redis;
  return {
    store,
    keys,
    client,
    connect,
    writeRaw: async (taskId, text) => {
      await whenRedisReady(client);
      await client.set(keys.task(taskId), text, 'PX', 60_000);
    },
    cleanup: async () => {
      await Promise.all(stores.map((s) => s.close()));
      const admin = make({});
      admin.on('error', () => undefined);
      try {
        await whenRedisReady(admin);
        let cursor = '0';
        do {
          const [next, found] = await admin.scan(cursor, 'MATCH', `${keys.prefix}*`, 'COUNT', 1000);
          if (found.length > 0) await admin.del(...found);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
        for (const c of clients) c.disconnect();
      }
    },
  };
}
