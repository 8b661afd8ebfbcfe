import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordingNotifier, notificationId } from '@visionq/core';
import { eventually } from '@visionq/core/testing';
import { createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { loadWorkerConfig } from '../src/config.js';
import { runWorker } from '../src/worker.js';
import { sample } from './exposition.js';
import { freePort, isolated, submitter } from './support/isolated.js';

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const STOP = await readFile(join(import.meta.dirname, '../../../models/traffic-signs/samples/stop.jpg'));

describe.skipIf(!amqp.available || !redis.available)('a worker notifies ended tasks', () => {
  it('through the Redis outbox: each channel once, under the task’s notification id, recorded and counted', async () => {
    const { config, cleanup } = isolated({ amqp, redis }, { WORKER_METRICS_PORT: String(await freePort()) });
    const webhook = new RecordingNotifier({ channel: 'webhook' });
    const fcm = new RecordingNotifier({ channel: 'fcm' });
    fcm.answerNext(['permanent']);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const worker = await runWorker(config, logger, { notifiers: [webhook, fcm] });
    const producer = await createAmqpTaskQueue({ url: amqp.url, queue: config.AMQP_QUEUE });
    const client = createRedisClient(redis.url, { enableOfflineQueue: true });
    const store = createRedisResultStore({ client, keyPrefix: config.REDIS_PREFIX });
    const url = 'https://hooks.example.org/visionq/secret-path';
    const token = 'device-token-that-must-stay-private';
    try {
      const submit = submitter(store, producer);
      const toServer = await submit(STOP, 'image/jpeg', {
        notify: { channel: 'webhook', url },
        language: 'es',
      });
      const toDevice = await submit(STOP, 'image/jpeg', { notify: { channel: 'fcm', token } });
      const silent = await submit(STOP, 'image/jpeg');
      await eventually(
        async () =>
          JSON.stringify(await store.get(toServer)).includes('"notification"') &&
          JSON.stringify(await store.get(toDevice)).includes('"notification"'),
        30_000,
        'both notifications recorded',
      );
      expect(webhook.delivered.map((n) => [n.id, n.record.task_id, n.language])).toEqual([
        [notificationId(toServer), toServer, 'es'],
      ]);
      expect(webhook.delivered[0]?.record).toMatchObject({ status: 'succeeded', result: { label: 'stop' } });
      expect(await store.get(toServer)).toMatchObject({
        notification: { channel: 'webhook', attempts: 1, delivered_at: expect.any(String) },
      });
      expect(await store.get(toDevice)).toMatchObject({
        notification: { channel: 'fcm', attempts: 1, failed_at: expect.any(String) },
      });
      expect(await store.get(silent)).not.toHaveProperty('notification');
      expect(fcm.attempts).toHaveLength(1);
      const text = await (await fetch(worker.metricsUrl as string)).text();
      expect(sample(text, 'visionq_notifications_total', { channel: 'webhook', result: 'sent' })).toBe(1);
      expect(sample(text, 'visionq_notifications_total', { channel: 'fcm', result: 'failed' })).toBe(1);
      // The outbox is empty: every entry was settled.
      expect(await client.xlen(`${config.REDIS_PREFIX}notify:outbox`)).toBe(0);
      const logs = lines.join('');
      expect(logs).toContain(toServer);
      expect(logs).not.toContain('secret-path');
      expect(logs).not.toContain(token);
    } finally {
      await worker.stop();
      await producer.close();
      await store.close();
      client.disconnect();
      await cleanup();
    }
  });

  it('refuses CALLBACK_HOSTS without a WEBHOOK_SECRET, and bad notification settings, at start-up', () => {
    const base = { AMQP_URL: amqp.url, REDIS_URL: redis.url };
    expect(() => loadWorkerConfig({ ...base, CALLBACK_HOSTS: 'hooks.example.org' })).toThrow(
      /WEBHOOK_SECRET: required when CALLBACK_HOSTS is set/,
    );
    expect(() =>
      loadWorkerConfig({ ...base, CALLBACK_HOSTS: 'not a host', WEBHOOK_SECRET: 'x'.repeat(32) }),
    ).toThrow(/CALLBACK_HOSTS/);
    expect(() => loadWorkerConfig({ ...base, NOTIFY_CONCURRENCY: '0' })).toThrow(/NOTIFY_CONCURRENCY/);
    const config = loadWorkerConfig({
      ...base,
      CALLBACK_HOSTS: 'hooks.example.org, *.example.net',
      WEBHOOK_SECRET: SECRET,
      FCM_ENABLED: 'true',
    });
    expect(config).toMatchObject({
      CALLBACK_HOSTS: ['hooks.example.org', '*.example.net'],
      FCM_ENABLED: true,
      NOTIFY_CONCURRENCY: 32,
      NOTIFY_RETRY_TIME_MS: 60_000,
    });
  });
});
