import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { Notification, TerminalRecord } from '@visionq/core';
import { WebhookNotifier, type WebhookEvents } from '../src/index.js';
import { Receiver } from './support/receiver.js';
import { newSecret, testNotifier } from './support/setup.js';

const taskId = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const at = '2026-12-01T12:00:00.000Z';
const record: TerminalRecord = {
  task_id: taskId,
  owner: 'alice-uid',
  status: 'succeeded',
  created_at: at,
  updated_at: at,
  completed_at: at,
  model: { name: 'traffic-signs', version: '2' },
  result: { label: 'stop', confidence: 0.9, recognized: true, top_k: [{ label: 'stop', confidence: 0.9 }] },
};
const notification = (url: string): Notification => ({
  id: `task-${taskId}`,
  target: { channel: 'webhook', url },
  record,
});

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()));
});

async function setUp(options: Parameters<typeof testNotifier>[1] = {}) {
  const secret = newSecret();
  const receiver = await Receiver.start(secret);
  const notifier = testNotifier(secret, options);
  open.push(notifier, receiver);
  return { secret, receiver, notifier };
}

describe('WebhookNotifier', () => {
  it('POSTs the record less its owner, signed so that the library verifies it, and only with this secret', async () => {
    const { secret, receiver, notifier } = await setUp();
    const status = await notifier.notify(notification(receiver.url('/hooks/visionq?source=test')));
    expect(status).toMatchObject({ channel: 'webhook', attempts: 1 });
    const [delivery] = receiver.deliveries;
    expect(delivery?.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': `task-${taskId}`,
    });
    expect(Number(delivery?.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
    const { owner: _owner, ...data } = record;
    expect(delivery?.verified).toEqual({ type: 'task.ended', timestamp: at, data });
    expect(delivery?.body).not.toContain('alice-uid');
    const headers = delivery?.headers as Record<string, string>;
    expect(new Webhook(secret).verify(delivery?.body ?? '', headers)).toBeDefined();
    expect(() => new Webhook(newSecret()).verify(delivery?.body ?? '', headers)).toThrow();
  });

  it('retries after two 500s under the same webhook-id, each attempt signed afresh', async () => {
    const { receiver, notifier } = await setUp();
    receiver.answerNext([{ status: 500 }, { status: 500 }]);
    const status = await notifier.notify(notification(receiver.url()));
    expect(status).toMatchObject({ attempts: 3 });
    expect(status.delivered_at).toBeDefined();
    expect(receiver.deliveries.map((d) => d.headers['webhook-id'])).toEqual(Array(3).fill(`task-${taskId}`));
    expect(receiver.deliveries.every((d) => d.verified !== undefined)).toBe(true);
  });

  it.each([408, 429, 502, 503, 504])('retries a %i', async (code) => {
    const { receiver, notifier } = await setUp();
    receiver.answerNext([{ status: code }]);
    expect(await notifier.notify(notification(receiver.url()))).toMatchObject({ attempts: 2 });
  });

  it.each([400, 401, 404, 410, 413, 422, 301, 302, 307, 308])('gives up on a %i at once', async (code) => {
    const { receiver, notifier } = await setUp();
    receiver.answerNext([{ status: code, headers: { location: receiver.url('/elsewhere') } }]);
    const status = await notifier.notify(notification(receiver.url()));
    expect(status).toMatchObject({ attempts: 1 });
    expect(status.failed_at).toBeDefined();
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('never follows a redirect, even to an address the policy would refuse', async () => {
    const { receiver, notifier } = await setUp();
    const target = await Receiver.start(newSecret(), { tls: false });
    open.push(target);
    receiver.answerNext([{ status: 302, headers: { location: `http://127.0.0.1:${target.port}/admin` } }]);
    expect((await notifier.notify(notification(receiver.url()))).failed_at).toBeDefined();
    expect(target.connections).toBe(0);
  });

  it('waits at least the Retry-After a 429 asks for, and gives up at once when it asks for more than is left', async () => {
    const { receiver, notifier } = await setUp();
    receiver.answerNext([{ status: 429, headers: { 'retry-after': '1' } }]);
    const status = await notifier.notify(notification(receiver.url()));
    expect(status).toMatchObject({ attempts: 2 });
    const [first, second] = receiver.deliveries;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1_000);

    receiver.answerNext([{ status: 503, headers: { 'retry-after': '3600' } }]);
    const refused = await notifier.notify(notification(receiver.url()));
    expect(refused).toMatchObject({ attempts: 1 });
    expect(refused.failed_at).toBeDefined();
  });

  it('tells its observers of each attempt, retry and outcome, never the URL', async () => {
    const seen: [string, unknown][] = [];
    const record =
      (name: string) =>
      (event: unknown): void => {
        seen.push([name, event]);
        if (name === 'attempt') throw new Error('a broken observer changes nothing');
      };
    const events: WebhookEvents = {
      attempt: record('attempt'),
      retry: record('retry'),
      delivered: record('delivered'),
      failed: record('failed'),
    };
    const { receiver, notifier } = await setUp({ events });
    receiver.answerNext([{ status: 503 }]);
    await notifier.notify(notification(receiver.url('/hooks/secret-path?token=hunter2')));
    receiver.answerNext([{ status: 404 }]);
    await notifier.notify(notification(receiver.url('/hooks/secret-path?token=hunter2')));
    const about = { notificationId: `task-${taskId}`, taskId };
    expect(seen).toEqual([
      ['attempt', { ...about, attempt: 1 }],
      ['retry', { ...about, attempt: 1, reason: 'http_503', status: 503 }],
      ['attempt', { ...about, attempt: 2 }],
      ['delivered', { ...about, attempt: 2, status: 204 }],
      ['attempt', { ...about, attempt: 1 }],
      ['failed', { ...about, attempt: 1, reason: 'http_404', status: 404 }],
    ]);
    expect(JSON.stringify(seen)).not.toMatch(/secret-path|hunter2|hooks\.visionq\.test/);
  });

  it('reports one retry fewer than attempts when it gives up, and why it gave up', async () => {
    const counts = { attempt: 0, retry: 0, delivered: 0, failed: 0 };
    const reasons: string[] = [];
    const events: WebhookEvents = {
      attempt: () => (counts.attempt += 1),
      retry: () => (counts.retry += 1),
      delivered: () => (counts.delivered += 1),
      failed: (event) => {
        counts.failed += 1;
        reasons.push(event.reason);
      },
    };
    const retry = { maxRetryTimeMs: 1_500, initialDelayMs: 50, maxDelayMs: 200 };
    const { receiver, notifier } = await setUp({ events, retry });
    receiver.answerNext(Array.from({ length: 1_000 }, () => ({ status: 503 })));
    const status = await notifier.notify(notification(receiver.url()));
    expect(status.failed_at).toBeDefined();
    expect(status.attempts).toBeGreaterThanOrEqual(2);
    expect(counts).toEqual({ attempt: status.attempts, retry: status.attempts - 1, delivered: 0, failed: 1 });

    const refused = await notifier.notify(notification(receiver.url('/hook', 'elsewhere.visionq.test')));
    expect(refused).toMatchObject({ attempts: 1 });
    expect(reasons).toEqual(['http_503', 'host_not_allowed']);
  });

  it('retries a receiver whose certificate it does not trust, and says so', async () => {
    const reasons: string[] = [];
    const { receiver, notifier } = await setUp({
      ca: [],
      retry: { maxRetryTimeMs: 300, initialDelayMs: 50, maxDelayMs: 100 },
      events: { failed: (event) => reasons.push(event.reason) },
    });
    const status = await notifier.notify(notification(receiver.url()));
    expect(status.failed_at).toBeDefined();
    expect(reasons).toEqual(['tls']);
    expect(receiver.deliveries).toHaveLength(0);
  });

  it('rejects every notify once closed, the one in flight included', async () => {
    const { receiver, notifier } = await setUp();
    receiver.answerNext(['hang']);
    const pending = notifier.notify(notification(receiver.url()));
    await expect.poll(() => receiver.deliveries.length, { timeout: 10_000 }).toBe(1);
    await notifier.close();
    await expect(pending).rejects.toMatchObject({ code: 'unavailable' });
    await expect(notifier.notify(notification(receiver.url()))).rejects.toMatchObject({
      code: 'unavailable',
    });
  });

  it('refuses options it cannot work with, naming them', () => {
    const policy = { allowedHosts: [] };
    expect(() => new WebhookNotifier({ secret: '', policy })).toThrow(/secret/);
    expect(() => new WebhookNotifier({ secret: 'whsec_not base64!', policy })).toThrow(/secret/);
    expect(() => new WebhookNotifier({ secret: newSecret(), policy: { allowedHosts: ['*.'] } })).toThrow(
      /"\*\."/,
    );
  });
});
