import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notificationId } from '@visionq/core';
import { eventually } from '@visionq/core/testing';
import { createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import { writeServiceAccountKey } from '@visionq/test-support/google';
import { probeServer } from '@visionq/test-support/servers';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createFcmNotifier } from '../src/fcm.js';
import { runWorker } from '../src/worker.js';
import { FcmStandIn } from '../../../packages/notify-fcm/test/support/fcm-stand-in.js';
import { isolated, submitter } from './support/isolated.js';

// A worker with FCM_ENABLED sends one data message per device through firebase-admin's real path, with the
// project and key file the configuration names, to a local stand-in of FCM's send endpoint and Google's OAuth2.

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const STOP = await readFile(join(import.meta.dirname, '../../../models/traffic-signs/samples/stop.jpg'));
const PROJECT = 'visionq-worker-test';

describe.skipIf(!amqp.available || !redis.available)('a worker with FCM_ENABLED', () => {
  it('sends one data message per ended task to its device, and records it', async () => {
    const standIn = await FcmStandIn.start();
    const key = writeServiceAccountKey(PROJECT);
    standIn.serviceAccountPublicKeyPem = key.publicKeyPem;
    const { config, cleanup } = isolated(
      { amqp, redis },
      { FCM_ENABLED: 'true', FIREBASE_PROJECT_ID: PROJECT, GOOGLE_APPLICATION_CREDENTIALS: key.keyFile },
    );
    const logger = pino({ level: 'silent' });
    const dropped: string[] = [];
    const worker = await runWorker(config, logger, {
      notifiers: [
        createFcmNotifier(config, {
          httpAgent: standIn.agent,
          events: { tokenDropped: ({ taskId, reason }) => void dropped.push(`${taskId}:${reason}`) },
        }),
      ],
    });
    const producer = await createAmqpTaskQueue({ url: amqp.url, queue: config.AMQP_QUEUE });
    const client = createRedisClient(redis.url, { enableOfflineQueue: true });
    const store = createRedisResultStore({ client, keyPrefix: config.REDIS_PREFIX });
    try {
      const token = 'fcm-device-token:abc123';
      const id = await submitter(store, producer)(STOP, 'image/jpeg', {
        notify: { channel: 'fcm', token },
        language: 'es',
      });
      await eventually(
        async () => JSON.stringify(await store.get(id)).includes('"delivered_at"'),
        30_000,
        'the notification delivered',
      );
      expect(standIn.requests).toHaveLength(1);
      const [request] = standIn.requests;
      expect(request?.path).toBe(`/v1/projects/${PROJECT}/messages:send`);
      expect(request?.body.message?.token).toBe(token);
      expect(request?.body.message?.data).toMatchObject({ task_id: id, status: 'succeeded', label: 'stop' });
      expect(JSON.stringify(request?.body)).toContain(notificationId(id));
      expect(await store.get(id)).toMatchObject({ notification: { channel: 'fcm', attempts: 1 } });
      expect(JSON.stringify(await store.get(id))).not.toContain(token);

      // A device FCM no longer knows: one attempt, the token dropped, the failure recorded.
      standIn.answerNext(['permanent']);
      const gone = await submitter(store, producer)(STOP, 'image/jpeg', {
        notify: { channel: 'fcm', token: 'fcm-device-token:uninstalled' },
      });
      await eventually(
        async () => JSON.stringify(await store.get(gone)).includes('"failed_at"'),
        30_000,
        'the failure recorded',
      );
      expect(standIn.requests).toHaveLength(2);
      expect(dropped).toEqual([`${gone}:unregistered`]);
    } finally {
      await worker.stop();
      await producer.close();
      await store.close();
      client.disconnect();
      await standIn.close();
      key.remove();
      await cleanup();
    }
  });
});
