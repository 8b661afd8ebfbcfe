import { randomUUID } from 'node:crypto';
import { CorruptRecordError, InvalidRequestError, UnavailableError, type ResultRecord } from '@visionq/core';
import { failed, pendingRecord, sleep, succeeded } from '@visionq/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { whenRedisReady } from '../src/index.js';
import { redisHarness, type RedisHarness } from './harness.js';

const server = await probeServer('redis');
const TTL = { resultTtlMs: 60_000, pendingTtlMs: 600_000 };

describe.skipIf(!server.available)('RedisResultStore on a real Redis', () => {
  let h: RedisHarness;
  beforeEach(async () => {
    // A name of its own, that its subscriber (a duplicate of its client) inherits: other tests subscribe on the
    // same server meanwhile, and the close() test counts only this store's subscribers.
    h = await redisHarness(server.url, TTL, { connectionName: `visionq-test-${randomUUID()}` });
    await whenRedisReady(h.client);
  });
  afterEach(() => h.cleanup());

  it('keeps each record as JSON under <prefix>task:<id>, pending for pendingTtlMs, then resultTtlMs', async () => {
    const record = pendingRecord();
    await h.store.create(record);
    const key = `${h.keys.prefix}task:${record.task_id}`;
    expect(JSON.parse((await h.client.get(key)) as string)).toEqual(record);
    expect(await h.client.pttl(key)).toBeGreaterThan(TTL.pendingTtlMs - 5_000);
    await h.store.markProcessing(record.task_id);
    expect(await h.client.pttl(key)).toBeGreaterThan(TTL.pendingTtlMs - 5_000);
    await h.store.complete(record.task_id, record.owner, succeeded());
    const ttl = await h.client.pttl(key);
    expect(ttl).toBeGreaterThan(TTL.resultTtlMs - 5_000);
    expect(ttl).toBeLessThanOrEqual(TTL.resultTtlMs);
  });

  it('an idempotency claim lives as long as its task: pending TTL first, result TTL once it ends', async () => {
    const record = pendingRecord('alice');
    await h.store.create(record, { idempotency: { key: 'k1', fingerprint: 'f1' } });
    const claims = await h.client.keys(`${h.keys.prefix}claim:*`);
    expect(claims).toHaveLength(1);
    const claim = claims[0] as string;
    expect(await h.client.hgetall(claim)).toEqual({ task: record.task_id, fingerprint: 'f1' });
    expect(await h.client.pttl(claim)).toBeGreaterThan(TTL.pendingTtlMs - 5_000);
    await h.store.complete(record.task_id, record.owner, succeeded());
    expect(await h.client.pttl(claim)).toBeLessThanOrEqual(TTL.resultTtlMs);
    expect(await h.client.pttl(claim)).toBeGreaterThan(TTL.resultTtlMs - 5_000);
  });

  it('a claim whose task is gone is free, and a late end of that old task leaves the new claim alone', async () => {
    const claim = { key: 'upload-1', fingerprint: 'sha256:a' };
    const old = pendingRecord('alice');
    await h.store.create(old, { idempotency: claim });
    await h.client.del(`${h.keys.prefix}task:${old.task_id}`); // as if it had expired
    const next = pendingRecord('alice');
    expect(await h.store.create(next, { idempotency: { ...claim, fingerprint: 'sha256:b' } })).toEqual({
      created: true,
      record: next,
    });
    // The old task's worker finishes late (complete recreates its record), then the old task is deleted:
    // neither may shorten or remove the claim the new task holds now.
    await h.store.complete(old.task_id, old.owner, failed());
    await h.store.delete(old.task_id);
    const retry = await h.store.create(pendingRecord('alice'), { idempotency: claim });
    expect(retry).toMatchObject({ created: false, sameRequest: false, record: { task_id: next.task_id } });
    const [claimKey] = await h.client.keys(`${h.keys.prefix}claim:*`);
    expect(await h.client.pttl(claimKey as string)).toBeGreaterThan(TTL.pendingTtlMs - 5_000);
  });

  it('concurrent creates with one claim, from several clients, create exactly one task', async () => {
    const other = await h.connect();
    const claim = { key: 'double-tap', fingerprint: 'sha256:same' };
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? other : h.store).create(pendingRecord('alice'), { idempotency: claim }),
      ),
    );
    const created = outcomes.filter((outcome) => outcome.created);
    expect(created).toHaveLength(1);
    const winner = created[0]?.record;
    for (const outcome of outcomes.filter((o) => !o.created))
      expect(outcome).toEqual({ created: false, record: winner, sameRequest: true });
    expect(await h.client.keys(`${h.keys.prefix}task:*`)).toHaveLength(1);
  });

  it('owners and keys cannot collide through separators in their text', async () => {
    const a = pendingRecord('a:b');
    const b = pendingRecord('a');
    await h.store.create(a, { idempotency: { key: 'c', fingerprint: 'x' } });
    expect((await h.store.create(b, { idempotency: { key: 'b:c', fingerprint: 'x' } })).created).toBe(true);
  });

  it('publishes a completion once, only for the write that won, on <prefix>done:<id>', async () => {
    const record = pendingRecord();
    await h.store.create(record);
    const listener = h.client.duplicate();
    const heard: string[] = [];
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await whenRedisReady(listener);
    await listener.subscribe(`${h.keys.prefix}done:${record.task_id}`);
    try {
      const first = await h.store.complete(record.task_id, record.owner, succeeded('first'));
      await h.store.complete(record.task_id, record.owner, succeeded('second'));
      await h.store.markProcessing(record.task_id);
      await sleep(200);
      expect(heard.map((text) => JSON.parse(text) as ResultRecord)).toEqual([first]);
    } finally {
      listener.disconnect();
    }
  });

  it('a value of another Redis type at a task key reads as CorruptRecordError', async () => {
    const record = pendingRecord();
    await h.client.hset(`${h.keys.prefix}task:${record.task_id}`, 'status', 'queued');
    await expect(h.store.get(record.task_id)).rejects.toBeInstanceOf(CorruptRecordError);
    await expect(h.store.markProcessing(record.task_id)).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it('a record naming another task reads as CorruptRecordError', async () => {
    const record = pendingRecord();
    await h.writeRaw(pendingRecord().task_id, JSON.stringify(record));
    const [key] = await h.client.keys(`${h.keys.prefix}task:*`);
    await expect(h.store.get((key as string).split(':').at(-1) as string)).rejects.toBeInstanceOf(
      CorruptRecordError,
    );
  });

  it('bad completions are typed errors: a missing record with an invalid owner or task id', async () => {
    await expect(h.store.complete(pendingRecord().task_id, '', succeeded())).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(h.store.complete('not-a-uuid', 'alice', succeeded())).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('a garbled notice on a done channel is ignored; the waiter still ends with the record as it is', async () => {
    const record = pendingRecord();
    await h.store.create(record);
    const waiting = h.store.waitFor(record.task_id, 500);
    await sleep(100);
    await h.client.publish(`${h.keys.prefix}done:${record.task_id}`, '{"status":"succeeded"');
    expect(await waiting).toEqual(record);
  });

  it('waitFor with a signal that already aborted answers at once', async () => {
    const record = pendingRecord();
    await h.store.create(record);
    const started = Date.now();
    expect(await h.store.waitFor(record.task_id, 10_000, AbortSignal.abort())).toEqual(record);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('close() ends waiters with UnavailableError, closes its subscriber, and leaves the caller’s client open', async () => {
    const record = pendingRecord();
    await h.store.create(record);
    const waiting = h.store.waitFor(record.task_id, 10_000).catch((error: unknown) => error);
    const mine = ` name=${h.client.options.connectionName} `;
    const subscribers = async () =>
      ((await h.client.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(mine) && / sub=[1-9]/.test(line)).length;
    await sleep(100);
    const before = await subscribers();
    await h.store.close();
    expect(await waiting).toBeInstanceOf(UnavailableError);
    expect(h.client.status).toBe('ready');
    expect(await h.client.ping()).toBe('PONG');
    await sleep(100);
    expect(await subscribers()).toBe(before - 1);
    await h.store.close(); // idempotent
  });
});
