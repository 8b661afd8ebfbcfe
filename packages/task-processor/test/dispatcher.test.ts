import {
  InMemoryNotificationOutbox,
  InMemoryOutboxStorage,
  InMemoryResultStore,
  RecordingNotifier,
  newQueuedRecord,
  notificationId,
  type Notification,
  type NotificationStatus,
  type Notifier,
  type NotifyOptions,
  type NotifyTarget,
} from '@visionq/core';
import { eventually, sleep, succeeded, taskMessage } from '@visionq/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotificationDispatcher, type NotificationDispatcherOptions } from '../src/index.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

function setup(more: Partial<NotificationDispatcherOptions> = {}, storage = new InMemoryOutboxStorage()) {
  const store = new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 });
  const outbox = new InMemoryNotificationOutbox({ idleMs: 60_000, storage });
  const webhook = new RecordingNotifier({ channel: 'webhook' });
  const notified: NotificationStatus[] = [];
  const dropped: string[] = [];
  const dispatcher = createNotificationDispatcher({
    outbox,
    store,
    notifiers: [webhook],
    pollIntervalMs: 20,
    events: {
      notified: (_, status) => void notified.push(status),
      dropped: (taskId) => void dropped.push(taskId),
    },
    ...more,
  });
  stops.push(() => dispatcher.stop());
  /** An ended task owing a notification to `target`. */
  const owe = async (target: NotifyTarget, language?: string) => {
    const { taskId, owner } = taskMessage();
    await store.create(newQueuedRecord(taskId, owner));
    const record = await store.complete(taskId, owner, succeeded());
    await outbox.append({ id: notificationId(taskId), taskId, target, ...(language && { language }) });
    return { taskId, record };
  };
  return { store, outbox, webhook, dispatcher, owe, notified, dropped };
}

const hook = (host = 'hooks.example.org'): NotifyTarget => ({
  channel: 'webhook',
  url: `https://${host}/visionq`,
});

/** A webhook notifier whose receivers on `dead.example` never answer (until aborted); the rest take it at once. */
class PartlyDeadNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  readonly delivered: string[] = [];
  inFlightDead = 0;
  async notify(notification: Notification, options: NotifyOptions = {}): Promise<NotificationStatus> {
    const target = notification.target as { url: string };
    if (new URL(target.url).host === 'dead.example') {
      this.inFlightDead += 1;
      await new Promise((_, reject) =>
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true }),
      );
    }
    this.delivered.push(notification.record.task_id);
    return { channel: 'webhook', attempts: 1, delivered_at: new Date().toISOString() };
  }
  async close(): Promise<void> {}
}

describe('NotificationDispatcher', () => {
  it('sends an ended task under its notification id, records what happened, and settles the entry', async () => {
    const { store, outbox, webhook, dispatcher, owe, notified } = setup();
    const { taskId, record } = await owe(hook(), 'es');
    dispatcher.start();
    await eventually(() => notified.length === 1, 5_000, 'the notification');
    expect(webhook.delivered).toEqual([
      { id: notificationId(taskId), target: hook(), record, language: 'es' },
    ]);
    const after = await store.get(taskId);
    expect(after).toEqual({ ...record, notification: notified[0] });
    expect(after).toMatchObject({ notification: { channel: 'webhook', attempts: 1 } });
    expect(JSON.stringify(after)).not.toContain('hooks.example.org');
    await sleep(100);
    expect(await outbox.claim('anyone', 10)).toEqual([]);
  });

  it('records a receiver that refused for good as failed, and never sends it again', async () => {
    const { store, webhook, dispatcher, owe, notified } = setup();
    webhook.answerNext(['permanent']);
    const { taskId } = await owe(hook());
    dispatcher.start();
    await eventually(() => notified.length === 1, 5_000, 'the verdict');
    await sleep(200);
    expect(webhook.attempts).toHaveLength(1);
    expect(await store.get(taskId)).toMatchObject({
      notification: { attempts: 1, failed_at: expect.any(String) },
    });
  });

  it('a channel with no notifier is recorded as failed after no attempt', async () => {
    const { store, dispatcher, owe, notified } = setup();
    const { taskId } = await owe({ channel: 'fcm', token: 'device-1' });
    dispatcher.start();
    await eventually(() => notified.length === 1, 5_000, 'the verdict');
    expect(await store.get(taskId)).toMatchObject({ notification: { channel: 'fcm', attempts: 0 } });
  });

  it('drops an entry whose task is gone or was cancelled, sending nothing', async () => {
    const { store, outbox, webhook, dispatcher, dropped } = setup();
    const gone = taskMessage().taskId;
    const cancelled = taskMessage();
    await store.create(newQueuedRecord(cancelled.taskId, cancelled.owner));
    await store.cancel(cancelled.taskId);
    for (const taskId of [gone, cancelled.taskId])
      await outbox.append({ id: notificationId(taskId), taskId, target: hook() });
    dispatcher.start();
    await eventually(() => dropped.length === 2, 5_000, 'both dropped');
    expect(webhook.attempts).toHaveLength(0);
    expect(await outbox.claim('anyone', 10)).toEqual([]);
  });

  it('an entry whose record is corrupt is dropped after one try, not offered again for ever', async () => {
    const errors: string[] = [];
    const storage = new InMemoryOutboxStorage();
    const { store, outbox, webhook, dispatcher } = setup(
      { events: { error: (error) => void errors.push((error as { code?: string }).code ?? '') } },
      storage,
    );
    const { taskId } = taskMessage();
    store.writeRaw(taskId, '{not json');
    await outbox.append({ id: notificationId(taskId), taskId, target: hook() });
    dispatcher.start();
    await eventually(() => errors.length === 1, 5_000, 'the error reported');
    await sleep(200);
    expect(errors).toEqual(['corrupt_record']);
    expect(webhook.attempts).toHaveLength(0);
    expect(storage.entries.size).toBe(0);
  });

  it('a receiver that never answers holds only its own slots: every other receiver is served', async () => {
    const notifier = new PartlyDeadNotifier();
    const { dispatcher, owe } = setup({
      notifiers: [notifier],
      concurrency: 8,
      perReceiver: 2,
      stopGraceMs: 0,
    });
    for (let n = 0; n < 40; n++) await owe(hook('dead.example'));
    const alive = [];
    for (let n = 0; n < 20; n++) alive.push((await owe(hook(`alive-${n % 4}.example`))).taskId);
    dispatcher.start();
    await eventually(() => notifier.delivered.length === 20, 5_000, 'every live receiver served');
    expect(new Set(notifier.delivered)).toEqual(new Set(alive));
    expect(notifier.inFlightDead).toBe(2);
  });

  it('a dispatcher that dies mid-send leaves the entry to another, which sends it under the same id', async () => {
    const storage = new InMemoryOutboxStorage();
    const notifier = new PartlyDeadNotifier();
    const first = setup({ notifiers: [notifier], stopGraceMs: 0 }, storage);
    const { taskId } = await first.owe(hook('dead.example'));
    first.dispatcher.start();
    await eventually(() => notifier.inFlightDead === 1, 5_000, 'the send under way');
    await first.dispatcher.stop();
    // The second worker shares the outbox (and the store); its outbox offers abandoned entries after 300 ms.
    const webhook = new RecordingNotifier({ channel: 'webhook' });
    const rescuer = createNotificationDispatcher({
      outbox: new InMemoryNotificationOutbox({ idleMs: 300, storage }),
      store: first.store,
      notifiers: [webhook],
      pollIntervalMs: 20,
    });
    stops.push(() => rescuer.stop());
    rescuer.start();
    await eventually(() => webhook.delivered.length === 1, 5_000, 'the rescue');
    expect(webhook.delivered[0]?.id).toBe(notificationId(taskId));
    await eventually(
      async () => JSON.stringify(await first.store.get(taskId)).includes('"delivered_at"'),
      5_000,
      'the record updated',
    );
  });

  it('stop() with nothing started resolves; start() twice runs one loop', async () => {
    const { dispatcher, owe, webhook, notified, outbox, store } = setup();
    await createNotificationDispatcher({ outbox, store, notifiers: [] }).stop();
    dispatcher.start();
    dispatcher.start();
    await owe(hook());
    await eventually(() => notified.length === 1, 5_000, 'one notification');
    await sleep(200);
    expect(webhook.attempts).toHaveLength(1);
  });
});

describe('observeNotificationDispatcher', () => {
  it('counts sent, failed, dropped and retries by channel, and logs no target', async () => {
    const { Registry } = await import('prom-client');
    const { createNotificationMetrics, observeNotificationDispatcher } =
      await import('../src/metrics/index.js');
    const registry = new Registry();
    const lines: string[] = [];
    const log = (fields: object, message: string) => void lines.push(JSON.stringify({ fields, message }));
    const events = observeNotificationDispatcher(
      { info: log, warn: log },
      createNotificationMetrics(registry),
    );
    const at = new Date().toISOString();
    events.notified?.('t1', { channel: 'webhook', attempts: 3, delivered_at: at });
    events.notified?.('t2', { channel: 'fcm', attempts: 1, failed_at: at });
    events.dropped?.('t3', 'fcm');
    events.error?.(new Error('redis down'), 't4');
    const text = await registry.metrics();
    expect(text).toContain('visionq_notifications_total{channel="webhook",result="sent"} 1');
    expect(text).toContain('visionq_notifications_total{channel="fcm",result="failed"} 1');
    expect(text).toContain('visionq_notifications_total{channel="fcm",result="dropped"} 1');
    expect(text).toContain('visionq_notification_retries_total{channel="webhook"} 2');
    expect(text).toContain('visionq_notification_retries_total{channel="fcm"} 0');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/"task_id":"t\d"/);
  });
});
