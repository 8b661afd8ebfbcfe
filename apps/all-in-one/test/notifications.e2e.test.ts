import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorIdToken } from '@visionq/auth-firebase';
import type { Notifier } from '@visionq/core';
import { createMetrics, startApi, type RunningApi } from '@visionq/api';
import { WebhookNotifier } from '@visionq/notify-webhook';
import { createInfrastructure, createLogger, repoPath, type Infrastructure } from '@visionq/service-kit';
import { createNotificationMetrics, createTaskProcessorMetrics } from '@visionq/task-processor/metrics';
import { createOutbox, startWorker, type StartedWorker } from '@visionq/worker';
import { removeQueueTopology } from '@visionq/test-support/amqp';
import { probeServer } from '@visionq/test-support/servers';
import { WebhookBodySchema } from '../../api/src/http/schemas.js';
import { loadAllInOneConfig } from '../src/config.js';
import { startFcm, PROJECT_ID, type Fcm } from '../../../packages/notify-fcm/test/support/fcm-app.js';
import {
  privateAddress,
  startTrap,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../api/test/e2e/receivers.js';

// End to end, through the real HTTP API and a real worker loop with the real notifiers: in memory as `pnpm start`
// runs by default, and as production runs, an API and a worker each with its own connections to RabbitMQ and
// Redis. Composed in this process rather than spawned, so that the notifiers can be pointed at local stand-ins.

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const STOP = readFileSync(repoPath('models/traffic-signs/samples/stop.jpg'));
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const receiverHost = privateAddress();

interface Service {
  url: string;
  logs: () => string;
  close(): Promise<void>;
}

async function startService(
  brokers: Record<string, string>,
  env: Record<string, string>,
  notifiers: Notifier[],
): Promise<Service> {
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    'e2e',
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const config = loadAllInOneConfig({ PORT: '0', API_METRICS_PORT: '0', ...brokers, ...env });
  const metrics = createMetrics();
  // Production keeps the API's connections apart from the worker's, as two processes would; in memory they
  // must share the queue and the store.
  const workerSide = await createInfrastructure(config, logger);
  const apiSide: Infrastructure = brokers.AMQP_URL ? await createInfrastructure(config, logger) : workerSide;
  const outbox = createOutbox(config, workerSide.redis);
  let worker: StartedWorker | undefined;
  let api: RunningApi | undefined;
  const close = async () => {
    await api?.stop();
    await worker?.stop();
    await outbox.close();
    await Promise.all(notifiers.map((notifier) => notifier.close()));
    await workerSide.close();
    if (apiSide !== workerSide) await apiSide.close();
    // This run's queues go with it (its Redis keys expire by themselves).
    if (brokers.AMQP_URL) await removeQueueTopology(brokers.AMQP_URL, config.AMQP_QUEUE);
  };
  try {
    worker = await startWorker({
      config,
      logger,
      queue: workerSide.queue,
      store: workerSide.store,
      metrics: createTaskProcessorMetrics(metrics.registry),
      notify: { outbox, notifiers, metrics: createNotificationMetrics(metrics.registry) },
    });
    api = await startApi({ config, logger, metrics, infrastructure: apiSide });
  } catch (error) {
    await close();
    throw error;
  }
  return { url: (api as RunningApi).url, logs: () => lines.join(''), close };
}

const auth = (uid: string) => ({
  Authorization: `Bearer ${createEmulatorIdToken({ uid, projectId: 'demo-visionq' })}`,
});

async function submit(url: string, uid: string, form: Record<string, string>, headers = {}) {
  const body = new FormData();
  body.set('image', new Blob([STOP], { type: 'image/jpeg' }), 'stop.jpg');
  for (const [key, value] of Object.entries(form)) body.set(key, value);
  const res = await fetch(`${url}/predict`, { method: 'POST', headers: { ...auth(uid), ...headers }, body });
  return { status: res.status, body: (await res.json()) as { task_id: string; error?: { code: string } } };
}

/** The task as its owner reads it, once its notification was settled (delivered or given up on). */
async function settled(url: string, uid: string, taskId: string) {
  for (;;) {
    const res = await fetch(`${url}/result/${taskId}?wait=10`, { headers: auth(uid) });
    const body = (await res.json()) as { notification?: { delivered_at?: string; failed_at?: string } };
    if (body.notification?.delivered_at || body.notification?.failed_at) return { res, body };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const modes = [
  { mode: 'in memory (all-in-one)', brokers: () => ({}), available: true },
  {
    mode: 'production (api + worker, RabbitMQ, Redis)',
    brokers: (): Record<string, string> => {
      const run = `notify-${process.pid}-${randomUUID().slice(0, 8)}`;
      return {
        AMQP_URL: amqp.url,
        REDIS_URL: redis.url,
        AMQP_QUEUE: `visionq.${run}`,
        REDIS_PREFIX: `visionq:${run}:`,
      };
    },
    available: amqp.available && redis.available,
  },
];

describe.each(modes)('notifications end to end, $mode', ({ brokers, available }) => {
  describe.skipIf(!available)('a device token, through firebase-admin to a stand-in of FCM', () => {
    const TOKEN = `fcm-device-${randomUUID()}:APA91bH`;
    let service: Service;
    let fcm: Fcm;
    beforeAll(async () => {
      fcm = await startFcm();
      service = await startService(brokers(), { FCM_ENABLED: 'true' }, [fcm.notifier()]);
    }, 60_000);
    afterAll(async () => {
      await service?.close();
      await fcm?.stop();
    });

    it('one send request carries the task id, status, label and its name in the upload’s language', async () => {
      const uid = `fcm-${randomUUID()}`;
      const submitted = await submit(service.url, uid, { fcm_token: TOKEN }, { 'Accept-Language': 'es' });
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
      const { body } = await settled(service.url, uid, submitted.body.task_id);
      expect(body.notification).toEqual({ channel: 'fcm', attempts: 1, delivered_at: expect.any(String) });
      expect(fcm.standIn.requests).toHaveLength(1);
      const [request] = fcm.standIn.requests;
      expect(request?.path).toBe(`/v1/projects/${PROJECT_ID}/messages:send`);
      expect(request?.body.message).toMatchObject({
        token: TOKEN,
        data: { task_id: submitted.body.task_id, status: 'succeeded', label: 'stop', label_name: 'Pare' },
        android: { priority: 'high' },
      });
      // The token goes to FCM and nowhere else: not in the answer, not in a log line.
      expect(JSON.stringify(body)).not.toContain(TOKEN);
      expect(service.logs()).not.toContain(TOKEN);
      const other = await fetch(`${service.url}/result/${submitted.body.task_id}`, {
        headers: auth(`other-${randomUUID()}`),
      });
      expect(other.status).toBe(404);
    }, 60_000);
  });

  describe.skipIf(!available || !receiverHost)('a webhook to a receiver the policy allows', () => {
    let service: Service;
    let receiver: WebhookReceiver;
    beforeAll(async () => {
      // Twice 500, then 200: the third attempt delivers it.
      receiver = await startWebhookReceiver(receiverHost as string, [500, 500]);
      const policy = { allowedHosts: [receiverHost as string], allowPrivateAddresses: true };
      const webhook = new WebhookNotifier({
        secret: SECRET,
        policy,
        ca: receiver.ca,
        retry: { maxRetryTimeMs: 20_000, initialDelayMs: 100, maxDelayMs: 500 },
      });
      service = await startService(
        brokers(),
        { CALLBACK_HOSTS: receiverHost as string, CALLBACK_ALLOW_PRIVATE: 'true', WEBHOOK_SECRET: SECRET },
        [webhook],
      );
    }, 60_000);
    afterAll(async () => {
      await service?.close();
      await receiver?.close();
    });

    it('is signed as Standard Webhooks says, retried after two 500s with the same webhook-id, and recorded', async () => {
      const uid = `hook-${randomUUID()}`;
      const submitted = await submit(service.url, uid, { callback_url: receiver.url });
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
      const deliveries = await receiver.received(3);
      expect(deliveries.map((delivery) => delivery.status)).toEqual([500, 500, 200]);
      const ids = new Set(deliveries.map((delivery) => delivery.headers['webhook-id']));
      expect(ids.size).toBe(1);
      for (const { headers, body } of deliveries) {
        // The library's own verification: signature, and a timestamp within its tolerance.
        const verified = new Webhook(SECRET).verify(body, headers as Record<string, string>);
        const event = WebhookBodySchema.parse(verified);
        expect(event.data).toMatchObject({ task_id: submitted.body.task_id, status: 'succeeded' });
        expect(event.data.status === 'succeeded' && event.data.result.label).toBe('stop');
        expect(body).not.toContain(uid);
      }
      expect(() =>
        new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(
          deliveries[0]?.body ?? '',
          deliveries[0]?.headers as Record<string, string>,
        ),
      ).toThrow();

      const { res, body } = await settled(service.url, uid, submitted.body.task_id);
      expect(res.status).toBe(200);
      expect(body.notification).toEqual({
        channel: 'webhook',
        attempts: 3,
        delivered_at: expect.any(String),
      });
      const text = JSON.stringify(body);
      expect(text).not.toContain(receiverHost);
      expect(receiver.deliveries).toHaveLength(3);
      // Another user reads nothing of it: the same 404 as an unknown task.
      const other = await fetch(`${service.url}/result/${submitted.body.task_id}`, {
        headers: auth(`other-${randomUUID()}`),
      });
      expect(other.status).toBe(404);
      expect(await other.text()).not.toMatch(/notification|webhook/);
      expect(service.logs()).not.toContain(receiver.url);
      expect(service.logs()).not.toContain(`${receiverHost}:`);
    }, 60_000);
  });

  describe.skipIf(!available)('SSRF: callback URLs the production policy refuses', () => {
    let service: Service;
    beforeAll(async () => {
      // The hosts are on the allow-list (an IPv6 literal cannot be), so what refuses them is their address;
      // nothing relaxes the policy.
      const hosts = '127.0.0.1,169.254.169.254,10.1.2.3,localhost';
      service = await startService(brokers(), { CALLBACK_HOSTS: hosts, WEBHOOK_SECRET: SECRET }, [
        new WebhookNotifier({ secret: SECRET, policy: { allowedHosts: hosts.split(',') } }),
      ]);
    }, 60_000);
    afterAll(async () => service?.close());

    it.each([
      'https://127.0.0.1/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://10.1.2.3/hook',
    ])('%s → 422 invalid_callback through the HTTP API', async (url) => {
      const { status, body } = await submit(service.url, `ssrf-${randomUUID()}`, { callback_url: url });
      expect(status).toBe(422);
      expect(body.error?.code).toBe('invalid_callback');
    });

    it('localhost, which resolves to loopback → 422, and its listener never sees a connection', async () => {
      const trap = await startTrap('127.0.0.1');
      try {
        const uid = `ssrf-${randomUUID()}`;
        const { status, body } = await submit(service.url, uid, {
          callback_url: `https://localhost:${trap.port}/hook`,
        });
        expect(status).toBe(422);
        expect(body.error?.code).toBe('invalid_callback');
        // A task that does get through still ends, and its worker is the one that would have connected.
        const control = await submit(service.url, uid, {}, {});
        expect(control.status).toBe(202);
        const ended = await fetch(`${service.url}/result/${control.body.task_id}?wait=20`, {
          headers: auth(uid),
        });
        expect(ended.status).toBe(200);
        expect(trap.connections()).toBe(0);
      } finally {
        await trap.close();
      }
    });
  });
});
