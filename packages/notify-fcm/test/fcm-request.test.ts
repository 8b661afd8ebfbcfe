import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFcm, PROJECT_ID, type Fcm } from './support/fcm-app.js';
import { failed } from '@visionq/core/testing';
import { notificationFor } from './support/notification.js';

// What FCM receives, read at the stand-in of its v1 send endpoint after firebase-admin's real path.

let fcm: Fcm;
beforeAll(async () => {
  fcm = await startFcm();
});
afterAll(() => fcm.stop());

describe('the send request', () => {
  it('is one POST to the project’s messages:send, authorised by the service account’s OAuth2 token', async () => {
    const before = fcm.standIn.requests.length;
    const sent = notificationFor('device-token-a');
    const sentAt = Math.floor(Date.now() / 1000);
    const status = await fcm.notifier().notify(sent);
    expect(status).toMatchObject({ channel: 'fcm', attempts: 1 });
    const requests = fcm.standIn.requests.slice(before);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({
      host: 'fcm.googleapis.com',
      method: 'POST',
      path: `/v1/projects/${PROJECT_ID}/messages:send`,
    });
    expect(request?.headers.authorization).toBe(`Bearer ${fcm.standIn.accessToken}`);
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect(fcm.standIn.tokenRequests).toBeGreaterThanOrEqual(1);
    // The whole body: no validate_only, no notification block, nothing but the data message and its delivery.
    expect(request?.body).toEqual({
      message: {
        token: 'device-token-a',
        data: {
          notification_id: sent.id,
          task_id: sent.record.task_id,
          status: 'succeeded',
          label: 'stop',
          label_name: 'Pare',
          confidence: '0.97',
          recognized: 'true',
        },
        // Kept for an offline device no longer than the result is (5 minutes by default), not FCM's 4 weeks.
        android: { priority: 'high', ttl: '300s' },
        apns: {
          headers: {
            'apns-priority': '5',
            'apns-push-type': 'background',
            'apns-expiration': expect.stringMatching(/^\d+$/),
          },
          payload: { aps: { 'content-available': 1 } },
        },
      },
    });
    const expiration = Number(request?.body.message?.apns?.headers?.['apns-expiration']);
    expect(expiration - sentAt).toBeGreaterThanOrEqual(299);
    expect(expiration - sentAt).toBeLessThanOrEqual(301);
  });

  it('keeps the message as long as messageTtlMs says, on Android and on iOS', async () => {
    const before = fcm.standIn.requests.length;
    const sentAt = Math.floor(Date.now() / 1000);
    await fcm.notifier({ messageTtlMs: 90_000 }).notify(notificationFor('device-token-ttl'));
    const [request] = fcm.standIn.requests.slice(before);
    expect(request?.body.message?.android).toEqual({ priority: 'high', ttl: '90s' });
    const expiration = Number(request?.body.message?.apns?.headers?.['apns-expiration']);
    expect(expiration - sentAt).toBeGreaterThanOrEqual(89);
    expect(expiration - sentAt).toBeLessThanOrEqual(91);
  });

  it('names the failure of a failed task, and nothing of a result', async () => {
    const before = fcm.standIn.requests.length;
    const sent = notificationFor('device-token-b', failed('invalid_image'));
    await fcm.notifier().notify(sent);
    expect(fcm.standIn.requests.slice(before).map((r) => r.body.message?.data)).toEqual([
      {
        notification_id: sent.id,
        task_id: sent.record.task_id,
        status: 'failed',
        error_code: 'invalid_image',
      },
    ]);
  });

  it('reuses the access token: one token request for many sends', async () => {
    const notifier = fcm.notifier();
    await notifier.notify(notificationFor('device-token-c'));
    const tokens = fcm.standIn.tokenRequests;
    await Promise.all([1, 2, 3].map((n) => notifier.notify(notificationFor(`device-token-c${n}`))));
    expect(fcm.standIn.tokenRequests).toBe(tokens);
  });

  it('many at once: one request each, and no listener piles up on a shared signal', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const notifier = fcm.notifier();
      const stop = new AbortController();
      const before = fcm.standIn.requests.length;
      const sent = Array.from({ length: 40 }, (_, n) => notificationFor(`device-token-many-${n}`));
      const statuses = await Promise.all(sent.map((n) => notifier.notify(n, { signal: stop.signal })));
      expect(statuses.every((status) => status.attempts === 1 && status.delivered_at)).toBe(true);
      const tokens = fcm.standIn.requests.slice(before).map((r) => r.body.message?.token);
      expect(tokens.sort()).toEqual(sent.map((n) => (n.target as { token: string }).token).sort());
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
