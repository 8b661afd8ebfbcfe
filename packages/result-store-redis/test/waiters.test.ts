import { randomUUID } from 'node:crypto';
import { eventually, pendingRecord, succeeded } from '@visionq/core/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { whenRedisReady } from '../src/index.js';
import { redisHarness, type RedisHarness } from './harness.js';

const server = await probeServer('redis');

/** The server's view of every connection named `name`: how many channels each is subscribed to. */
async function connectionsNamed(admin: Redis, name: string): Promise<{ sub: number }[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((field) => field.split('=', 2))))
    .filter((fields) => fields.name === name)
    .map((fields) => ({ sub: Number(fields.sub) }));
}

describe.skipIf(!server.available)('RedisResultStore waitFor at scale', () => {
  const name = `visionq-waiters-${randomUUID()}`;
  let api: RedisHarness;

  beforeEach(async () => {
    // Only the waiting store's connections carry the name, so the server's client list shows exactly its own.
    api = await redisHarness(server.url, {}, { connectionName: name });
    await whenRedisReady(api.client);
  });
  afterEach(() => api.cleanup());

  it('1,000 concurrent waiters wake on their own completions, over exactly one subscriber connection', async () => {
    const writer = await api.connect({});
    const records = Array.from({ length: 1_000 }, () => pendingRecord());
    await Promise.all(records.map((record) => api.store.create(record)));
    expect(await connectionsNamed(api.client, name)).toEqual([{ sub: 0 }]);

    const started = Date.now();
    const waits = records.map((record) => api.store.waitFor(record.task_id, 20_000));
    await eventually(() => api.store.waitingTasks === 1_000, 10_000, 'every waiter to register');
    await eventually(
      async () => (await connectionsNamed(api.client, name)).some((c) => c.sub === 1_000),
      10_000,
      'every waiter to subscribe',
    );
    // The store's own connection plus one subscriber holding all 1,000 channels: no connection per waiter.
    const during = await connectionsNamed(api.client, name);
    expect(during.map((c) => c.sub).sort((a, b) => a - b)).toEqual([0, 1_000]);

    // Another store (another process, in production) completes them, in reverse order.
    await Promise.all(
      [...records]
        .reverse()
        .map((record) => writer.complete(record.task_id, record.owner, succeeded(`label_${record.task_id}`))),
    );
    const results = await Promise.all(waits);
    results.forEach((result, i) =>
      expect(result).toMatchObject({
        status: 'succeeded',
        result: { label: `label_${records[i]?.task_id}` },
      }),
    );
    // Woken by their notices, not by the 20 s timeout.
    expect(Date.now() - started).toBeLessThan(15_000);
    // Every waiter left: the subscriber holds no channel and the store forgot them all.
    expect(api.store.waitingTasks).toBe(0);
    await eventually(
      async () => (await connectionsNamed(api.client, name)).every((c) => c.sub === 0),
      5_000,
      'the subscriber to unsubscribe',
    );
  });

  it('waiters on the same task share one subscription', async () => {
    const record = pendingRecord();
    await api.store.create(record);
    const waits = Array.from({ length: 20 }, () => api.store.waitFor(record.task_id, 10_000));
    await eventually(async () => (await connectionsNamed(api.client, name)).some((c) => c.sub === 1));
    await (await api.connect({})).complete(record.task_id, record.owner, succeeded('shared'));
    for (const result of await Promise.all(waits))
      expect(result).toMatchObject({ result: { label: 'shared' } });
  });
});
