import { randomUUID } from 'node:crypto';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcmNotifier } from '../src/index.js';
import { classify } from '../src/classify.js';
import { startFcm, type Fcm } from './support/fcm-app.js';
import { notificationFor } from './support/notification.js';

describe('options', () => {
  const app = initializeApp({ projectId: 'visionq-test' }, `visionq-options-${randomUUID()}`);
  afterAll(() => deleteApp(app));

  it('requires an app', () => {
    expect(() => new FcmNotifier({} as never)).toThrow(/app is required/);
  });

  it.each([
    [{ retry: { maxRetryTimeMs: 0 } }, /maxRetryTimeMs/],
    [{ retry: { initialDelayMs: -1 } }, /initialDelayMs/],
    [{ retry: { initialDelayMs: 500, maxDelayMs: 100 } }, /maxDelayMs/],
    [{ attemptTimeoutMs: Number.NaN }, /attemptTimeoutMs/],
    [{ messageTtlMs: 0 }, /messageTtlMs/],
    [{ messageTtlMs: 29 * 24 * 3600 * 1000 }, /messageTtlMs/],
  ])('refuses %j', (options, message) => {
    expect(() => new FcmNotifier({ app, ...options })).toThrow(message);
  });
});

describe('classify', () => {
  it.each([
    [{ code: 'app/network-error', message: 'ECONNREFUSED' }, 'network', false],
    [
      { code: 'messaging/unknown-error', message: 'Raw server response: "…". Status code: 410.' },
      'refused',
      true,
    ],
    [
      { code: 'messaging/unknown-error', message: 'Raw server response: "…". Status code: 429.' },
      'quota',
      false,
    ],
    [{ code: 'messaging/unknown-error', message: 'Status code: 408.' }, 'unknown', false],
    [{ code: 'messaging/unknown-error', message: 'Status code: 504.' }, 'unknown', false],
    [new DOMException('The operation timed out.', 'TimeoutError'), 'timeout', false],
    [new Error('something nobody foresaw'), 'unknown', false],
    ['a string', 'unknown', false],
  ])('%j is %s', (error, reason, permanent) => {
    expect(classify(error)).toEqual({ reason, permanent });
  });
});

describe('lifecycle', () => {
  let fcm: Fcm;
  beforeAll(async () => {
    fcm = await startFcm();
  });
  afterAll(() => fcm.stop());

  it('a closed notifier rejects as unavailable and sends nothing', async () => {
    const notifier = fcm.notifier();
    await notifier.close();
    const before = fcm.standIn.requests.length;
    await expect(notifier.notify(notificationFor('device-token'))).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(fcm.standIn.requests.length).toBe(before);
  });

  it('close() stops a notification being retried: it rejects, nothing decided', async () => {
    const notifier = fcm.notifier();
    fcm.standIn.answerNext(Array.from({ length: 100 }, () => 'transient' as const));
    const pending = notifier.notify(notificationFor('device-token'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await notifier.close();
    await expect(pending).rejects.toMatchObject({ code: 'unavailable' });
    fcm.standIn.forgetAnswers();
  });

  it('leaves the app to its owner', async () => {
    const notifier = fcm.notifier();
    await notifier.close();
    expect(await fcm.notifier().notify(notificationFor('device-token'))).toMatchObject({ attempts: 1 });
  });

  it('an app its owner deleted rejects as unavailable', async () => {
    const other = await startFcm();
    const notifier = other.notifier();
    await deleteApp(other.app);
    await expect(notifier.notify(notificationFor('device-token'))).rejects.toMatchObject({
      code: 'unavailable',
    });
    await other.standIn.close();
  });
});
