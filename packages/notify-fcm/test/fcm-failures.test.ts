import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep } from '@visionq/core/testing';
import type { FcmNotifierEvents } from '../src/index.js';
import { fcmError, type Answer } from './support/fcm-stand-in.js';
import { startFcm, type Fcm } from './support/fcm-app.js';
import { notificationFor } from './support/notification.js';

// FCM's refusals and failures as its v1 endpoint answers them, through firebase-admin's real path: which end
// the notification at once (the token is dropped), which are retried, and what the observers hear.

let fcm: Fcm;
beforeAll(async () => {
  fcm = await startFcm();
});
afterAll(() => fcm.stop());

function recording() {
  const heard: { event: keyof FcmNotifierEvents; payload: Record<string, unknown> }[] = [];
  const on =
    (event: keyof FcmNotifierEvents) =>
    (payload: object): void =>
      void heard.push({ event, payload: { ...payload } });
  const events: FcmNotifierEvents = {
    sent: on('sent'),
    retried: on('retried'),
    failed: on('failed'),
    tokenDropped: on('tokenDropped'),
  };
  return { heard, events };
}

async function notifyAfter(answers: Answer[], token = `device-token-${Math.random()}`) {
  const { heard, events } = recording();
  const before = fcm.standIn.requests.length;
  fcm.standIn.answerNext(answers);
  const status = await fcm.notifier({ events }).notify(notificationFor(token));
  const requests = fcm.standIn.requests.length - before;
  fcm.standIn.forgetAnswers();
  // No observer is ever given the token, whatever happened.
  expect(JSON.stringify(heard)).not.toContain(token);
  return { status, heard, requests };
}

describe('permanent refusals: failed at once, token dropped, never retried', () => {
  const cases: [string, Answer, string][] = [
    ['404 UNREGISTERED', { status: 404, json: fcmError(404, 'NOT_FOUND', 'UNREGISTERED') }, 'unregistered'],
    [
      '400 INVALID_ARGUMENT (a malformed token)',
      {
        status: 400,
        json: fcmError(
          400,
          'INVALID_ARGUMENT',
          'INVALID_ARGUMENT',
          'The registration token is not a valid FCM registration token',
        ),
      },
      'invalid_argument',
    ],
    [
      '403 SENDER_ID_MISMATCH',
      { status: 403, json: fcmError(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH') },
      'sender_mismatch',
    ],
    [
      '401 THIRD_PARTY_AUTH_ERROR',
      { status: 401, json: fcmError(401, 'UNAUTHENTICATED', 'THIRD_PARTY_AUTH_ERROR') },
      'unauthenticated',
    ],
    ['a 404 that is not JSON (a proxy’s page)', { status: 404, text: '<html>Not Found</html>' }, 'refused'],
  ];
  it.each(cases)('%s', async (_name, answer, reason) => {
    const { status, heard, requests } = await notifyAfter([answer, 'ok']);
    expect(status).toMatchObject({ channel: 'fcm', attempts: 1 });
    expect(status.failed_at).toBeDefined();
    expect(status.delivered_at).toBeUndefined();
    expect(requests).toBe(1);
    expect(heard).toEqual([
      { event: 'failed', payload: expect.objectContaining({ attempts: 1, reason, permanent: true }) },
      { event: 'tokenDropped', payload: expect.objectContaining({ reason }) },
    ]);
  });
});

describe('transient failures: retried, with one request per attempt', () => {
  const cases: [string, Answer, string][] = [
    [
      '429 QUOTA_EXCEEDED',
      { status: 429, json: fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED') },
      'quota',
    ],
    ['503 UNAVAILABLE', { status: 503, json: fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE') }, 'unavailable'],
    ['500 INTERNAL', { status: 500, json: fcmError(500, 'INTERNAL', 'INTERNAL') }, 'internal'],
    ['a 502 that is not JSON', { status: 502, text: '<html>Bad Gateway</html>' }, 'unknown'],
    ['a connection dropped without an answer', 'reset', 'network'],
    ['no answer within the attempt’s time', 'hang', 'timeout'],
  ];
  it.each(cases)('%s', async (_name, answer, reason) => {
    const { status, heard, requests } = await notifyAfter([answer, 'ok']);
    expect(status).toMatchObject({ channel: 'fcm', attempts: 2 });
    expect(status.delivered_at).toBeDefined();
    expect(requests).toBe(2);
    expect(heard).toEqual([
      { event: 'retried', payload: expect.objectContaining({ attempt: 2, reason }) },
      { event: 'sent', payload: expect.objectContaining({ attempts: 2 }) },
    ]);
  });

  it('a 503 asking to come back in a minute is retried on our backoff, not firebase-admin’s wait', async () => {
    const busy = fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE');
    const started = Date.now();
    const { status, requests } = await notifyAfter([
      { status: 503, json: busy, headers: { 'retry-after': '60' } },
    ]);
    expect(status).toMatchObject({ attempts: 2 });
    expect(requests).toBe(2);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('gives up when the retry time runs out, without dropping the token', async () => {
    const { status, heard } = await notifyAfter(Array.from({ length: 1_000 }, () => 'transient' as const));
    expect(status.failed_at).toBeDefined();
    expect(heard.at(-1)).toEqual({
      event: 'failed',
      payload: expect.objectContaining({ attempts: status.attempts, permanent: false }),
    });
    expect(heard.some(({ event }) => event === 'tokenDropped')).toBe(false);
  });
});

it('a credential the OAuth2 endpoint refuses is retried, reaches no send endpoint, and drops no token', async () => {
  const refused = await startFcm();
  try {
    refused.standIn.serviceAccountPublicKeyPem = undefined; // it now answers invalid_grant to everyone
    const { heard, events } = recording();
    const notifier = refused.notifier({
      events,
      retry: { maxRetryTimeMs: 1_500, initialDelayMs: 50, maxDelayMs: 200 },
    });
    const status = await notifier.notify(notificationFor('device-token-credential'));
    expect(status.failed_at).toBeDefined();
    expect(status.attempts).toBeGreaterThanOrEqual(2);
    expect(refused.standIn.tokenRequests).toBeGreaterThanOrEqual(2);
    expect(refused.standIn.requests).toHaveLength(0);
    expect(heard.at(-1)).toEqual({
      event: 'failed',
      payload: expect.objectContaining({ reason: 'credential', permanent: false }),
    });
    expect(heard.some(({ event }) => event === 'tokenDropped')).toBe(false);
  } finally {
    await refused.stop();
  }
});

it('a request given up on is closed by firebase-admin at its own timeout and never sent again', async () => {
  const hungBefore = fcm.standIn.hung.length;
  const { status, requests } = await notifyAfter(['hang']);
  expect(status).toMatchObject({ attempts: 2 });
  expect(requests).toBe(2);
  const hung = fcm.standIn.hung[hungBefore];
  expect(hung?.closed).toBe(false);
  const total = fcm.standIn.requests.length;
  // firebase-admin's request timeout for FCM is 15 s; with its own retries on, it would then send again.
  await eventually(async () => hung?.closed === true, 30_000, 'the hung request to be closed');
  await sleep(1_000);
  expect(fcm.standIn.requests.length).toBe(total);
}, 45_000);
