import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { InvalidCallbackError } from '@visionq/core';
import { loadConfig } from '../src/config.js';
import { ErrorBodySchema, PendingBodySchema } from '../src/http/schemas.js';
import { notifyOptions } from '../src/notify.js';
import { bearer, jpeg, queued, testServices } from './support.js';

const service = testServices();
const TOKEN = 'fcm-registration-token:APA91bHun4MxP5egoKMwt2KZFBaFUH';
const HOOK = 'https://hooks.example.com/visionq?secret=shh';

/** Checks URLs as a policy allowing only hooks.example.com would, and remembers what it was asked. */
function hostPolicy() {
  const asked: string[] = [];
  return {
    asked,
    checkCallback: async (url: string) => {
      asked.push(url);
      if (new URL(url).hostname !== 'hooks.example.com')
        throw new InvalidCallbackError('host_not_allowed', 'the callback host is not on the allow-list');
    },
  };
}

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(ErrorBodySchema.parse(res.body).error.code).toBe(code);
}

describe('POST /predict: a device token', () => {
  it('in form field fcm_token, with Accept-Language: the task carries the token and the first language', async () => {
    const svc = await service({ worker: false, notify: { fcm: true } });
    const res = await request(svc.app)
      .post('/predict')
      .set(bearer())
      .set('Accept-Language', 'es, en;q=0.8')
      .field('fcm_token', TOKEN)
      .attach('image', await jpeg(), 'a.jpg');
    expect(res.status, res.text).toBe(202);
    const [message] = await queued(svc);
    expect(message).toMatchObject({
      taskId: PendingBodySchema.parse(res.body).task_id,
      notify: { channel: 'fcm', token: TOKEN },
      language: 'es',
    });
  });

  it('in header X-Firebase-Messaging-Token, with a raw upload; no Accept-Language, no language', async () => {
    const svc = await service({ worker: false, notify: { fcm: true } });
    const res = await request(svc.app)
      .post('/predict')
      .set(bearer())
      .set('X-Firebase-Messaging-Token', TOKEN)
      .set('Content-Type', 'image/jpeg')
      .send(await jpeg());
    expect(res.status, res.text).toBe(202);
    const [message] = await queued(svc);
    expect(message?.notify).toEqual({ channel: 'fcm', token: TOKEN });
    expect(message).not.toHaveProperty('language');
  });

  it('the same token in both places is taken once; two different ones are a 400', async () => {
    const svc = await service({ worker: false, notify: { fcm: true } });
    const send = async (header: string) =>
      request(svc.app)
        .post('/predict')
        .set(bearer())
        .set('X-Firebase-Messaging-Token', header)
        .field('fcm_token', TOKEN)
        .attach('image', await jpeg(), 'a.jpg');
    expect((await send(TOKEN)).status).toBe(202);
    expectError(await send(`${TOKEN}-other`), 400, 'invalid_request');
    expect(await queued(svc)).toHaveLength(1);
  });

  it('FCM off: 400 saying so, nothing queued', async () => {
    const svc = await service({ worker: false });
    const res = await request(svc.app)
      .post('/predict')
      .set(bearer())
      .field('fcm_token', TOKEN)
      .attach('image', await jpeg(), 'a.jpg');
    expectError(res, 400, 'invalid_request');
    expect(res.body.error.message).toMatch(/Firebase Cloud Messaging.*off/);
    expect(await queued(svc)).toEqual([]);
  });

  it('a token that is not visible ASCII, or empty: 400', async () => {
    const svc = await service({ worker: false, notify: { fcm: true } });
    for (const token of ['two words', '']) {
      const res = await request(svc.app)
        .post('/predict')
        .set(bearer())
        .field('fcm_token', token)
        .attach('image', await jpeg(), 'a.jpg');
      expectError(res, 400, 'invalid_request');
    }
    expect(await queued(svc)).toEqual([]);
  });
});

describe('POST /predict: a callback URL', () => {
  it('as form field or query parameter: checked by the policy, then carried by the task', async () => {
    const policy = hostPolicy();
    const svc = await service({ worker: false, notify: { fcm: true, checkCallback: policy.checkCallback } });
    const form = await request(svc.app)
      .post('/predict')
      .set(bearer())
      .field('callback_url', HOOK)
      .attach('image', await jpeg(), 'a.jpg');
    expect(form.status, form.text).toBe(202);
    const query = await request(svc.app)
      .post('/predict')
      .query({ callback_url: HOOK })
      .set(bearer())
      .set('Content-Type', 'image/jpeg')
      .send(await jpeg());
    expect(query.status, query.text).toBe(202);
    expect(policy.asked).toEqual([HOOK, HOOK]);
    const messages = await queued(svc);
    expect(messages.map((message) => message.notify)).toEqual([
      { channel: 'webhook', url: HOOK },
      { channel: 'webhook', url: HOOK },
    ]);
  });

  it('refused by the policy: 422 invalid_callback, nothing queued, no record', async () => {
    const policy = hostPolicy();
    const svc = await service({ worker: false, notify: { fcm: false, checkCallback: policy.checkCallback } });
    const res = await request(svc.app)
      .post('/predict')
      .set(bearer())
      .field('callback_url', 'https://169.254.169.254/latest/meta-data/')
      .attach('image', await jpeg(), 'a.jpg');
    expectError(res, 422, 'invalid_callback');
    expect(await queued(svc)).toEqual([]);
  });

  it('webhooks off (no policy): 422 saying so', async () => {
    const svc = await service({ worker: false, notify: { fcm: true } });
    const res = await request(svc.app)
      .post('/predict')
      .query({ callback_url: HOOK })
      .set(bearer())
      .set('Content-Type', 'image/jpeg')
      .send(await jpeg());
    expectError(res, 422, 'invalid_callback');
    expect(res.body.error.message).toMatch(/webhooks are off/);
    expect(await queued(svc)).toEqual([]);
  });

  it('a token and a URL together, or two different URLs: 400, the policy not even asked', async () => {
    const policy = hostPolicy();
    const svc = await service({ worker: false, notify: { fcm: true, checkCallback: policy.checkCallback } });
    const both = await request(svc.app)
      .post('/predict')
      .set(bearer())
      .field('callback_url', HOOK)
      .field('fcm_token', TOKEN)
      .attach('image', await jpeg(), 'a.jpg');
    expectError(both, 400, 'invalid_request');
    const twice = await request(svc.app)
      .post('/predict')
      .query({ callback_url: `${HOOK}&other` })
      .set(bearer())
      .field('callback_url', HOOK)
      .attach('image', await jpeg(), 'a.jpg');
    expectError(twice, 400, 'invalid_request');
    expect(policy.asked).toEqual([]);
    expect(await queued(svc)).toEqual([]);
  });

  it('the same Idempotency-Key with another target is another request: 422 conflict', async () => {
    const policy = hostPolicy();
    const svc = await service({ worker: false, notify: { fcm: true, checkCallback: policy.checkCallback } });
    const image = await jpeg();
    const send = (field: string, value: string) =>
      request(svc.app)
        .post('/predict')
        .set(bearer())
        .set('Idempotency-Key', 'k-1')
        .field(field, value)
        .attach('image', image, 'a.jpg');
    const first = await send('callback_url', HOOK);
    expect(first.status).toBe(202);
    const again = await send('callback_url', HOOK);
    expect(again.body.task_id).toBe(first.body.task_id);
    expectError(await send('fcm_token', TOKEN), 422, 'conflict');
  });
});

describe('tokens and URLs stay out of the logs and the answers', () => {
  it('a submitted and a refused request leave neither in any log line or error body', async () => {
    const policy = hostPolicy();
    const svc = await service({ notify: { fcm: true, checkCallback: policy.checkCallback } });
    const accepted = await request(svc.app)
      .post('/predict?wait=5')
      .query({ callback_url: HOOK })
      .set(bearer())
      .set('Content-Type', 'image/jpeg')
      .send(await jpeg());
    expect(accepted.status, accepted.text).toBe(200);
    const refused = await request(svc.app)
      .post('/predict')
      .set(bearer())
      .set('X-Firebase-Messaging-Token', TOKEN)
      .field('callback_url', 'https://internal.example.net/hook')
      .attach('image', await jpeg(), 'a.jpg');
    expect(refused.status).toBe(400);
    const logs = svc.logs.join('');
    expect(logs).toContain('"notify":"webhook"');
    for (const secret of [TOKEN, 'hooks.example.com', 'shh', 'internal.example.net'])
      expect(`${logs}${accepted.text}${refused.text}`).not.toContain(secret);
  });
});

describe('the production callback policy, as the configuration builds it', () => {
  // The hosts below are on the allow-list, so what refuses them is their address, as the reasons show. An IPv6
  // literal cannot be listed (CALLBACK_HOSTS takes host names): it is refused for its host, and, in
  // @visionq/notify-webhook's own tests, for its address too.
  const config = loadConfig({
    CALLBACK_HOSTS: '127.0.0.1,169.254.169.254,10.1.2.3,localhost,hooks.example.com',
  });

  it.each([
    ['loopback', 'https://127.0.0.1/hook', 'address_not_allowed'],
    ['IPv6 loopback', 'https://[::1]/hook', 'host_not_allowed'],
    ['link-local (cloud metadata)', 'https://169.254.169.254/latest/meta-data/', 'address_not_allowed'],
    ['private 10/8', 'https://10.1.2.3/hook', 'address_not_allowed'],
  ])('%s → 422 invalid_callback (%s), nothing queued', async (_name, url, reason) => {
    const svc = await service({ worker: false, notify: notifyOptions(config) });
    const res = await request(svc.app)
      .post('/predict')
      .set(bearer())
      .field('callback_url', url)
      .attach('image', await jpeg(), 'a.jpg');
    expectError(res, 422, 'invalid_callback');
    expect(svc.logs.join('')).toContain(`"reason":"${reason}"`);
    expect(await queued(svc)).toEqual([]);
  });

  it('a host name that resolves to loopback (localhost) → 422, and nothing connects to its listener', async () => {
    const trap = createServer((socket) => socket.destroy());
    let connections = 0;
    trap.on('connection', () => (connections += 1));
    trap.listen(0, '127.0.0.1');
    await once(trap, 'listening');
    const { port } = trap.address() as AddressInfo;
    try {
      const svc = await service({ notify: notifyOptions(config) });
      const res = await request(svc.app)
        .post('/predict')
        .set(bearer())
        .field('callback_url', `https://localhost:${port}/hook`)
        .attach('image', await jpeg(), 'a.jpg');
      expectError(res, 422, 'invalid_callback');
      expect(svc.logs.join('')).toContain('"reason":"address_not_allowed"');
      expect(svc.broker.depth('visionq.tasks')).toBe(0);
      expect(connections).toBe(0);
    } finally {
      trap.close();
    }
  });

  it('plain http, a host off the list, and webhooks off (no CALLBACK_HOSTS) are 422 too', async () => {
    const cases = [
      [config, 'http://hooks.example.com/hook', 'scheme'],
      [config, 'https://elsewhere.example.org/hook', 'host_not_allowed'],
      [loadConfig({}), 'https://hooks.example.com/hook', 'webhooks_off'],
    ] as const;
    for (const [settings, url, reason] of cases) {
      const svc = await service({ worker: false, notify: notifyOptions(settings) });
      const res = await request(svc.app)
        .post('/predict')
        .query({ callback_url: url })
        .set(bearer())
        .set('Content-Type', 'image/jpeg')
        .send(await jpeg());
      expectError(res, 422, 'invalid_callback');
      expect(svc.logs.join(''), url).toContain(`"reason":"${reason}"`);
    }
  });

  it('CALLBACK_ALLOW_PRIVATE lets loopback through, as the workers’ policy does, and never link-local', async () => {
    const relaxed = loadConfig({
      CALLBACK_HOSTS: 'localhost,169.254.169.254',
      CALLBACK_ALLOW_PRIVATE: 'true',
    });
    const svc = await service({ worker: false, notify: notifyOptions(relaxed) });
    const send = async (url: string) =>
      request(svc.app)
        .post('/predict')
        .set(bearer())
        .field('callback_url', url)
        .attach('image', await jpeg(), 'a.jpg');
    expect((await send('https://localhost/hook')).status).toBe(202);
    expectError(await send('https://169.254.169.254/latest/meta-data/'), 422, 'invalid_callback');
    expect(await queued(svc)).toHaveLength(1);
  });
});
