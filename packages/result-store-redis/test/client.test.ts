import { createServer, type Server, type Socket } from 'node:net';
import { InvalidRequestError, UnavailableError } from '@visionq/core';
import { pendingRecord, succeeded } from '@visionq/core/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient, createRedisResultStore, reconnectBackoff } from '../src/index.js';

// None of these needs a Redis server: they are about what happens without one.

describe('reconnectBackoff', () => {
  it('grows exponentially from initialDelayMs, stays under maxDelayMs, and jitters each step between half and all of it', () => {
    const backoff = reconnectBackoff({ initialDelayMs: 100, maxDelayMs: 1_000 });
    const steps = [100, 200, 400, 800, 1_000, 1_000, 1_000];
    steps.forEach((step, i) => {
      const delays = Array.from({ length: 200 }, () => backoff(i + 1));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(step / 2);
      expect(Math.max(...delays)).toBeLessThanOrEqual(step);
      expect(new Set(delays).size).toBeGreaterThan(1);
    });
    expect(backoff(10_000)).toBeLessThanOrEqual(1_000);
  });

  it('refuses a schedule that cannot work', () => {
    expect(() => reconnectBackoff({ initialDelayMs: 0 })).toThrow(InvalidRequestError);
    expect(() => reconnectBackoff({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(InvalidRequestError);
  });
});

describe('createRedisClient', () => {
  it('refuses what is not a redis:// or rediss:// URL, without echoing it', () => {
    expect(() => createRedisClient('localhost:6379')).toThrow(InvalidRequestError);
    expect(() => createRedisClient('http://user:secret@example.com')).toThrow(/redis:\/\//);
    expect(() => createRedisClient('not a url at all')).toThrow(InvalidRequestError);
    try {
      createRedisClient('http://user:secret@example.com');
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('secret');
    }
  });

  it('applies the fail-fast options, which the caller may override', () => {
    const client = createRedisClient('redis://127.0.0.1:1', { lazyConnect: true, commandTimeout: 500 });
    expect(client.options).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
    });
    client.disconnect();
  });
});

describe('createRedisResultStore options', () => {
  const client = new Redis({ lazyConnect: true });
  it('names what is wrong', () => {
    expect(() => createRedisResultStore({} as never)).toThrow(/`client`/);
    expect(() => createRedisResultStore({ client, resultTtlMs: 0 })).toThrow(/`resultTtlMs`/);
    expect(() => createRedisResultStore({ client, pendingTtlMs: 1.5 })).toThrow(/`pendingTtlMs`/);
    expect(() => createRedisResultStore({ client, keyPrefix: 3 as never })).toThrow(/`keyPrefix`/);
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'app:' });
    expect(() => createRedisResultStore({ client: prefixed })).toThrow(InvalidRequestError);
  });
});

/** A port where nothing listens, or something that accepts connections and never answers. */
async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('a store whose server cannot be reached', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('fails every operation at once with UnavailableError when nothing listens', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const client = createRedisClient(`redis://127.0.0.1:${port}`);
    client.on('error', () => undefined);
    const store = createRedisResultStore({ client });
    cleanups.push(
      () => store.close(),
      () => client.disconnect(),
    );
    const record = pendingRecord();
    const started = Date.now();
    const attempts = [
      store.ping(),
      store.create(record),
      store.get(record.task_id),
      store.markProcessing(record.task_id),
      store.complete(record.task_id, 'alice', succeeded()),
      store.waitFor(record.task_id, 10_000),
      store.delete(record.task_id),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(UnavailableError);
    // Refused connections are noticed in milliseconds; nothing waits for a timeout or queues in memory.
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(store.ping()).rejects.toBeInstanceOf(UnavailableError);
    expect(client.status).not.toBe('end'); // still trying to reconnect
  });

  it('gives up on a server that accepts the connection but never answers, after connectTimeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    const port = await listen(silent);
    const client = createRedisClient(`redis://127.0.0.1:${port}`, {
      connectTimeout: 300,
      commandTimeout: 300,
    });
    client.on('error', () => undefined);
    const store = createRedisResultStore({ client });
    cleanups.push(
      () => store.close(),
      () => client.disconnect(),
      () => sockets.forEach((s) => s.destroy()),
      () => new Promise((resolve) => silent.close(resolve)),
    );
    const started = Date.now();
    await expect(store.get(pendingRecord().task_id)).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
