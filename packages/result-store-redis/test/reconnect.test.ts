import { randomUUID } from 'node:crypto';
import { eventually, pendingRecord, sleep, succeeded } from '@visionq/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { whenRedisReady } from '../src/index.js';
import { redisHarness, type RedisHarness } from './harness.js';

const server = await probeServer('redis');

// Cuts only this test's own subscriber connection (CLIENT KILL ID), so other tests sharing the server are not
// disturbed; restarting the whole server is restart.disruptive.test.ts's job.
describe.skipIf(!server.available)('RedisResultStore when its subscriber connection drops', () => {
  const name = `visionq-reconnect-${randomUUID()}`;
  let h: RedisHarness;
  beforeEach(async () => {
    // A slow first reconnect leaves room for a completion to land while the subscriber is away.
    h = await redisHarness(server.url, {}, { connectionName: name, retryStrategy: () => 600 });
    await whenRedisReady(h.client);
  });
  afterEach(() => h.cleanup());

  async function subscriberId(): Promise<string | undefined> {
    const list = (await h.client.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(` name=${name} `) && / sub=[1-9]/.test(l));
    return line?.match(/^id=(\d+)/)?.[1];
  }

  it('resubscribes, and wakes a waiter whose task ended while it was away', async () => {
    const worker = await h.connect({});
    const missed = pendingRecord();
    const later = pendingRecord();
    await Promise.all([h.store.create(missed), h.store.create(later)]);
    const started = Date.now();
    const waitMissed = h.store.waitFor(missed.task_id, 20_000);
    const waitLater = h.store.waitFor(later.task_id, 20_000);
    await eventually(async () => (await subscriberId()) !== undefined);
    const id = await subscriberId();

    await h.client.client('KILL', 'ID', id as string);
    // Published while nobody listens: only the catch-up read after resubscribing can find it.
    await worker.complete(missed.task_id, missed.owner, succeeded('missed'));
    expect(await waitMissed).toMatchObject({ status: 'succeeded', result: { label: 'missed' } });
    expect(Date.now() - started).toBeLessThan(10_000);

    // The renewed subscription hears what comes later.
    await eventually(async () => ((await subscriberId()) ?? id) !== id, 5_000, 'a new subscriber connection');
    await sleep(50);
    const completedAt = Date.now();
    await worker.complete(later.task_id, later.owner, succeeded('later'));
    expect(await waitLater).toMatchObject({ status: 'succeeded', result: { label: 'later' } });
    expect(Date.now() - completedAt).toBeLessThan(2_000);
  });

  it('a new waiter while the subscriber is away fails fast with UnavailableError, and works once it is back', async () => {
    const record = pendingRecord();
    await h.store.create(record);
    const first = h.store.waitFor(record.task_id, 20_000);
    await eventually(async () => (await subscriberId()) !== undefined);
    await h.client.client('KILL', 'ID', (await subscriberId()) as string);
    await sleep(50);
    const other = pendingRecord();
    await h.store.create(other);
    await expect(h.store.waitFor(other.task_id, 5_000)).rejects.toMatchObject({ code: 'unavailable' });
    await eventually(async () => (await subscriberId()) !== undefined, 5_000, 'the subscriber to come back');
    const again = h.store.waitFor(other.task_id, 5_000);
    await sleep(50);
    const worker = await h.connect({});
    await worker.complete(other.task_id, other.owner, succeeded());
    await worker.complete(record.task_id, record.owner, succeeded());
    expect(await again).toMatchObject({ status: 'succeeded' });
    expect(await first).toMatchObject({ status: 'succeeded' });
  });
});
