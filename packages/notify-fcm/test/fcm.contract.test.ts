import { it } from 'vitest';
import { notifierContract } from '@visionq/core/testing';
import { RETRY_TIME_MS, startFcm } from './support/fcm-app.js';

// The Notifier contract through firebase-admin's real path: OAuth2 token, then FCM's v1 send endpoint, both
// local stand-ins reached through the app's httpAgent. Each attempt the contract scripts is one send request.
notifierContract(it, async () => {
  const fcm = await startFcm();
  return {
    notifier: fcm.notifier(),
    target: { channel: 'fcm', token: `device-token-${Date.now()}` },
    foreignTarget: { channel: 'webhook', url: 'https://receiver.example/hook' },
    retryTimeMs: RETRY_TIME_MS,
    answerNext: (steps) => fcm.standIn.answerNext(steps),
    received: async () =>
      fcm.standIn.requests.map(({ body }) => ({
        id: body.message?.data?.notification_id ?? '',
        taskId: body.message?.data?.task_id ?? '',
        status: body.message?.data?.status ?? '',
      })),
    cleanup: () => fcm.stop(),
  };
});
