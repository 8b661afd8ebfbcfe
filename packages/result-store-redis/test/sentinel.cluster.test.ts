import { UnavailableError, newQueuedRecord } from '@visionq/core';
import { eventually, resultStoreContract, succeeded } from '@visionq/core/testing';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { probeCluster } from '@visionq/test-support/cluster';
import { createRedisClient, createRedisSentinelClient, createRedisResultStore } from '../src/index.js';
import { redisHarness } from './harness.js';

// Redis primary, replica and three Sentinels on separate test hosts (scripts/cluster.sh).

const world = await probeCluster();
const sentinel = (options = {}) => createRedisSentinelClient(world.sentinels, world.sentinelName, options);

describe.skipIf(!world.available)('RedisResultStore through Sentinel', () => {
  resultStoreContract(it, (ttl) => redisHarness(sentinel, ttl));
});

describe.skipIf(!world.available)('RedisResultStore over TLS (rediss:, a CA made by cluster.sh up)', () => {
  // The first node's TLS port: a replica once a failover has happened, so only the reads are run there.
  it('reads and waits over TLS; a client without the CA is refused', async () => {
    const client = createRedisClient(world.redissUrl, { tls: { ca: [world.ca()] } });
    client.on('error', () => undefined);
    const store = createRedisResultStore({ client, keyPrefix: `visionq-test:${randomUUID()}:` });
    try {
      await store.ping();
      expect(await store.get(randomUUID())).toBeUndefined();
      expect(await client.info('server')).toMatch(/redis_version/);
    } finally {
      await store.close();
      client.disconnect();
    }
    const untrusting = createRedisClient(world.redissUrl, { connectTimeout: 1000 });
    untrusting.on('error', () => undefined);
    const refused = createRedisResultStore({ client: untrusting });
    try {
      await expect(refused.ping()).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await refused.close();
      untrusting.disconnect();
    }
  });
});

describe.skipIf(!world.available)(
  'RedisResultStore when the primary dies and Sentinel promotes the replica',
  () => {
    it('fails fast meanwhile, then writes go to the new primary; results replicated before the kill are kept', async () => {
      const h = await redisHarness(sentinel, { resultTtlMs: 120_000, pendingTtlMs: 120_000 });
      const before = (await world.sh('primary')) as 'redis1' | 'redis2';
      try {
        const ids = Array.from({ length: 20 }, () => randomUUID());
        for (const id of ids) {
          await h.store.create(newQueuedRecord(id, 'alice'));
          await h.store.complete(id, 'alice', succeeded());
        }
        // Acknowledged by the replica too: asynchronous replication loses only what it had not received yet.
        expect(await h.client.wait(1, 2000)).toBe(1);
        await world.sh('kill', before);
        const writable = async () => {
          const id = randomUUID();
          return h.store.create(newQueuedRecord(id, 'alice')).then(
            () => true,
            (error: unknown) => {
              expect(error).toBeInstanceOf(UnavailableError);
              return false;
            },
          );
        };
        await eventually(writable, 60_000, 'a write accepted by the promoted replica');
        expect(await world.sh('primary')).not.toBe(before);
        for (const id of ids) expect((await h.store.get(id))?.status).toBe('succeeded');
      } finally {
        // The old primary comes back as a replica of the new one.
        await world.sh('start', before);
        await h.cleanup();
      }
    });
  },
);
