import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { UnavailableError } from '@visionq/core';
import { eventually, pendingRecord, sleep, succeeded } from '@visionq/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { whenRedisReady, type RedisResultStore } from '../src/index.js';
import { redisHarness } from './harness.js';

// Stops and starts the Redis server at REDIS_URL: runs alone, after every other test (vitest.disruptive.config.ts).

const server = await probeServer('redis');
const port = new URL(server.url).port || '6379';
const servicesScript = join(import.meta.dirname, '../../../scripts/services.sh');

function redisServer(action: 'stop' | 'start'): void {
  execFileSync('bash', [servicesScript, action, 'redis'], {
    env: { ...process.env, REDIS_PORT: port },
    stdio: 'inherit',
  });
}

async function answers(store: RedisResultStore): Promise<boolean> {
  try {
    await store.ping();
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!server.available)('RedisResultStore across a Redis restart', () => {
  afterAll(() => redisServer('start'));

  it('fails fast while Redis is down, then recovers by itself; a waiter from before the outage still wakes', async () => {
    const h = await redisHarness(server.url, { resultTtlMs: 60_000, pendingTtlMs: 120_000 });
    const worker = await h.connect();
    try {
      await whenRedisReady(h.client);
      const record = pendingRecord();
      await h.store.create(record);
      const early = h.store.waitFor(record.task_id, 60_000);
      await eventually(() => h.store.waitingTasks === 1);
      await sleep(100);

      redisServer('stop');
      await eventually(() => h.client.status !== 'ready', 5_000, 'the client to notice');
      const other = pendingRecord();
      const attempts = {
        ping: () => h.store.ping(),
        create: () => h.store.create(other),
        get: () => h.store.get(record.task_id),
        markProcessing: () => worker.markProcessing(record.task_id),
        complete: () => worker.complete(record.task_id, record.owner, succeeded()),
        waitFor: () => h.store.waitFor(other.task_id, 10_000),
        delete: () => h.store.delete(other.task_id),
      };
      for (const [name, attempt] of Object.entries(attempts)) {
        const started = Date.now();
        await expect(attempt(), name).rejects.toBeInstanceOf(UnavailableError);
        // At once, not after a timeout: nothing is queued in memory waiting for the server.
        expect(Date.now() - started, name).toBeLessThan(1_000);
      }

      redisServer('start');
      await eventually(() => answers(h.store), 30_000, 'the store to reconnect');
      await eventually(() => answers(worker), 30_000, 'the worker store to reconnect');

      // Redis kept nothing (no persistence), but the task is still on the queue: its worker completes it,
      // which recreates the record, and the waiter from before the outage hears it on its renewed subscription.
      await sleep(500);
      const completedAt = Date.now();
      await worker.complete(record.task_id, record.owner, succeeded('after-restart'));
      expect(await early).toMatchObject({ status: 'succeeded', result: { label: 'after-restart' } });
      expect(Date.now() - completedAt).toBeLessThan(2_000);

      // And everything works as before.
      const fresh = pendingRecord();
      await h.store.create(fresh);
      const waiting = h.store.waitFor(fresh.task_id, 10_000);
      await sleep(100);
      await worker.markProcessing(fresh.task_id);
      await worker.complete(fresh.task_id, fresh.owner, succeeded('fresh'));
      expect(await waiting).toMatchObject({ status: 'succeeded', result: { label: 'fresh' } });
      expect(await h.store.get(fresh.task_id)).toMatchObject({ status: 'succeeded' });
    } finally {
      redisServer('start'); // a no-op when it is up; cleaning up needs it
      await h.cleanup();
    }
  }, 90_000);

  it('a server that stops answering (CLIENT PAUSE) makes commands fail after commandTimeout, then work again', async () => {
    const h = await redisHarness(server.url, {}, { commandTimeout: 300 });
    try {
      await whenRedisReady(h.client);
      const record = pendingRecord();
      await h.store.create(record);
      const admin = h.client.duplicate();
      await whenRedisReady(admin);
      await admin.client('PAUSE', 1_500, 'ALL');
      admin.disconnect();
      const started = Date.now();
      await expect(h.store.get(record.task_id)).rejects.toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(1_200);
      await eventually(
        async () => (await h.store.get(record.task_id).catch(() => undefined)) !== undefined,
        10_000,
      );
    } finally {
      await h.cleanup();
    }
  });
});
