import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeQueueTopology } from '@visionq/test-support/amqp';
import { probeServer } from '@visionq/test-support/servers';
import { repoPath } from '@visionq/service-kit';
import { WebhookBodySchema } from '../src/http/schemas.js';
import { tokenFor } from './e2e/http-suite.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitForOutput,
  waitUntilServing,
  type ServiceProcess,
} from './e2e/processes.js';
import { startTrap, startWebhookReceiver, type WebhookReceiver } from './e2e/receivers.js';

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const STOP = readFileSync(repoPath('models/traffic-signs/samples/stop.jpg'));
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

// Production as deployed: the API and a worker as processes of their own on RabbitMQ and Redis, configured only
// through their environment, the worker sending a webhook to an https receiver on this host (a test set-up:
// CALLBACK_ALLOW_PRIVATE lets loopback through, and the worker trusts the receiver's certificate through
// NODE_EXTRA_CA_CERTS). Device tokens are tested in-process (apps/all-in-one), where firebase-admin can be
// pointed at a stand-in of FCM.
describe.skipIf(!amqp.available || !redis.available)('webhooks: api and worker processes', () => {
  const run = `hook-e2e-${process.pid}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'visionq-hook-'));
  let receiver: WebhookReceiver;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let url = '';

  beforeAll(async () => {
    receiver = await startWebhookReceiver('localhost', [500, 500]);
    const ca = join(dir, 'receiver-ca.pem');
    writeFileSync(ca, receiver.ca);
    const shared = {
      AMQP_URL: amqp.url,
      REDIS_URL: redis.url,
      AMQP_QUEUE: `visionq.${run}`,
      REDIS_PREFIX: `visionq:${run}:`,
      CALLBACK_HOSTS: 'localhost',
      CALLBACK_ALLOW_PRIVATE: 'true',
      WEBHOOK_SECRET: SECRET,
    };
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    api = startProcess('api', ENTRY.api, { ...shared, PORT: String(port) });
    worker = startProcess('worker', ENTRY.worker, { ...shared, NODE_EXTRA_CA_CERTS: ca });
    await waitUntilServing(`${url}/healthz`, api);
    await waitForOutput(worker, 'worker started');
  }, 90_000);

  afterAll(async () => {
    const codes = await Promise.all([api, worker].map((child) => child?.kill('SIGTERM')));
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
    await removeQueueTopology(amqp.url, `visionq.${run}`);
    expect(codes).toEqual([0, 0]);
  }, 60_000);

  const auth = (uid: string) => ({ Authorization: `Bearer ${tokenFor(uid)}` });

  it('a callback_url gets the signed webhook, again under the same webhook-id after two 500s; nothing of it is logged', async () => {
    const uid = `hook-${randomUUID()}`;
    const res = await fetch(`${url}/predict?callback_url=${encodeURIComponent(receiver.url)}`, {
      method: 'POST',
      headers: { ...auth(uid), 'Content-Type': 'image/jpeg', 'Accept-Language': 'es' },
      body: STOP,
    });
    expect(res.status).toBe(202);
    const { task_id: taskId } = (await res.json()) as { task_id: string };
    const deliveries = await receiver.received(3);
    expect(deliveries.map((delivery) => delivery.status)).toEqual([500, 500, 200]);
    expect(new Set(deliveries.map((delivery) => delivery.headers['webhook-id']))).toEqual(
      new Set([`msg_${taskId}`]),
    );
    for (const { body, headers } of deliveries) {
      const event = WebhookBodySchema.parse(
        new Webhook(SECRET).verify(body, headers as Record<string, string>),
      );
      expect(event.data).toMatchObject({ task_id: taskId, status: 'succeeded' });
    }
    // Recorded once the notifier settled it, just after the receiver's 200.
    let notification: { delivered_at?: string } | undefined;
    while (!notification?.delivered_at) {
      const result = await fetch(`${url}/result/${taskId}`, { headers: auth(uid) });
      ({ notification } = (await result.json()) as { notification?: { delivered_at?: string } });
      if (!notification?.delivered_at) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(notification).toEqual({ channel: 'webhook', attempts: 3, delivered_at: expect.any(String) });
    for (const child of [api, worker]) {
      expect(child.output()).not.toContain(receiver.url);
      expect(child.output()).not.toContain('visionq/hook');
    }
  }, 60_000);

  it('a callback_url naming a loopback address outside the policy is 422, and nothing connects to it', async () => {
    // CALLBACK_HOSTS names only localhost: 127.0.0.1 itself is not on it.
    const trap = await startTrap('127.0.0.1');
    try {
      const res = await fetch(
        `${url}/predict?callback_url=${encodeURIComponent(`https://127.0.0.1:${trap.port}/hook`)}`,
        {
          method: 'POST',
          headers: { ...auth(`trap-${randomUUID()}`), 'Content-Type': 'image/jpeg' },
          body: STOP,
        },
      );
      expect(res.status).toBe(422);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_callback');
      expect(trap.connections()).toBe(0);
    } finally {
      await trap.close();
    }
  });
});
