import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { UnavailableError } from '@visionq/core';
import { eventually, pendingRecord, sleep } from '@visionq/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canConnect, freePort } from '@visionq/test-support/servers';
import { createRedisClient, whenRedisReady } from '../src/index.js';
import { redisHarness, type RedisHarness } from './harness.js';

// A real cut: packets to and from a Redis server of this test's own are dropped by the kernel (iptables on the
// loopback interface, this server's port only), so a command sent during the cut sits in the client's TCP send
// queue and is retransmitted, exactly as across a broken network. Needs root and iptables (CI has both).

/** Whether this process may change iptables rules; in CI it must (as with the servers, `probeServer`). */
function iptablesUsable(): boolean {
  try {
    execFileSync('iptables', ['-w', '-S', 'INPUT'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    if (process.env.CI === 'true')
      throw new Error('CI=true and iptables cannot be used (root?)', { cause: error });
    console.warn('skipping the network-cut test: iptables cannot be used (it needs root)');
    return false;
  }
}

const RULES = (port: number) => [
  ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(port), '-j', 'DROP'],
  ['OUTPUT', '-o', 'lo', '-p', 'tcp', '--sport', String(port), '-j', 'DROP'],
];

describe.skipIf(!iptablesUsable())('RedisResultStore when the network to Redis is cut', () => {
  let port: number;
  let server: ChildProcess;
  let cut = false;
  let h: RedisHarness | undefined;

  const setCut = (on: boolean) => {
    if (cut === on) return;
    for (const rule of RULES(port)) execFileSync('iptables', ['-w', on ? '-I' : '-D', ...rule]);
    cut = on;
  };

  beforeAll(async () => {
    port = await freePort();
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await eventually(() => canConnect('127.0.0.1', port), 10_000, 'redis-server listening');
  });
  afterEach(async () => {
    setCut(false);
    await h?.cleanup();
  });
  afterAll(() => {
    setCut(false);
    server.kill();
  });

  it('a create that timed out is never carried out after the network heals; the same idempotency key then creates the task afresh', async () => {
    h = await redisHarness(
      `redis://127.0.0.1:${port}`,
      {},
      { commandTimeout: 500, retryStrategy: () => 100 },
    );
    // Connected, and the create script loaded, before the cut.
    await h.store.create(pendingRecord());
    const claim = { idempotency: { key: 'upload-1', fingerprint: 'same image' } };
    const record = pendingRecord();

    setCut(true);
    await expect(h.store.create(record, claim)).rejects.toBeInstanceOf(UnavailableError);
    await sleep(1_000);
    setCut(false);
    // A segment still queued would be retransmitted within a few seconds of the heal (the retransmission
    // timeout starts at 200 ms on loopback and doubles); give it all of that.
    await sleep(4_000);

    const admin = createRedisClient(`redis://127.0.0.1:${port}`);
    admin.on('error', () => undefined);
    try {
      await whenRedisReady(admin);
      expect(await admin.exists(h.keys.task(record.task_id))).toBe(0);
    } finally {
      admin.disconnect();
    }
    // The client's retry, once the store is back: its key names nothing, so it is a new task.
    const retry = pendingRecord(record.owner);
    let outcome: Awaited<ReturnType<RedisHarness['store']['create']>> | undefined;
    await eventually(
      async () => {
        outcome = await h!.store.create(retry, claim).catch(() => undefined);
        return outcome !== undefined;
      },
      10_000,
      'the store reconnected',
    );
    expect(outcome).toMatchObject({ created: true, record: { task_id: retry.task_id } });
  });
});
