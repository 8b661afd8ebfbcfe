import { randomUUID } from 'node:crypto';
import { outboxContract } from '@visionq/core/testing';
import { describe, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { createRedisClient, createRedisNotificationOutbox, whenRedisReady } from '../src/index.js';
import type { Redis } from 'ioredis';

const server = await probeServer('redis');

describe.skipIf(!server.available)('RedisNotificationOutbox', () => {
  outboxContract(it, async (settings) => {
    const keyPrefix = `visionq-test:${randomUUID()}:`;
    const clients: Redis[] = [];
    const outboxes: ReturnType<typeof createRedisNotificationOutbox>[] = [];
    const connect = async () => {
      const client = createRedisClient(server.url);
      client.on('error', () => undefined);
      clients.push(client);
      const outbox = createRedisNotificationOutbox({ client, keyPrefix, ...settings });
      outboxes.push(outbox);
      return outbox;
    };
    const outbox = await connect();
    return {
      outbox,
      connect,
      appendRaw: (text) => outbox.appendRaw(text),
      cleanup: async () => {
        await Promise.all(outboxes.map((o) => o.close()));
        const admin = clients[0] as Redis;
        await whenRedisReady(admin);
        await admin.del(`${keyPrefix}notify:outbox`);
        for (const client of clients) client.disconnect();
      },
    };
  });
});
