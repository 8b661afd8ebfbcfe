import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '@visionq/core';
import { createVisionqClient, VisionqApiError, type VisionqClientOptions } from '../src/index.js';
import { hang, json, reset, scriptedServer, type Step } from './support/scripted-server.js';

const IMAGE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
const TASK = randomUUID();
const pending = (headers: Record<string, string> = {}) =>
  json(202, { task_id: TASK, status: 'queued' }, headers);
const SUCCEEDED = {
  task_id: TASK,
  status: 'succeeded',
  result: { label: 'stop', confidence: 0.9, recognized: true, top_k: [{ label: 'stop', confidence: 0.9 }] },
  model: { name: 'm', version: '1' },
  created_at: new Date().toISOString(),
  completed_at: new Date().toISOString(),
};
const succeeded = json(200, SUCCEEDED);
const unavailable = (retryAfter: string) =>
  json(503, { error: { code: 'unavailable', message: 'retry later' } }, { 'Retry-After': retryAfter });

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => close?.());

async function setUp(steps: Step[], options: Partial<VisionqClientOptions> = {}) {
  const server = await scriptedServer(steps);
  close = server.close;
  // Photos go as they are (no GET /model first): these steps script the requests of the calls under test.
  const client = createVisionqClient({
    baseUrl: server.url,
    token: () => 'a.b.c',
    shrink: false,
    ...options,
  });
  return { server, client };
}

describe('Retry-After, retries and aborts (against a scripted HTTP server)', () => {
  it('503 with Retry-After: waits that long, then sends the whole upload again', async () => {
    const { server, client } = await setUp([unavailable('1'), pending()]);
    expect(await client.submit(IMAGE)).toEqual({ task_id: TASK, status: 'queued' });
    const [first, second] = server.seen;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(second!.bodyBytes).toBe(first!.bodyBytes);
    expect(second!.headers.authorization).toBe('Bearer a.b.c');
  });

  it('an HTTP-date Retry-After is honoured too', async () => {
    const at = new Date(Date.now() + 2_000).toUTCString();
    const { server, client } = await setUp([unavailable(at), pending()]);
    await client.submit(IMAGE);
    expect(server.seen[1]!.at - server.seen[0]!.at).toBeGreaterThanOrEqual(500);
  });

  it('after maxRetries the 503 is thrown: unavailable, transient, with its Retry-After', async () => {
    const { server, client } = await setUp([unavailable('0'), unavailable('0'), unavailable('0')], {
      maxRetries: 1,
    });
    const error = await client.submit(IMAGE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VisionqApiError);
    expect(error).toMatchObject({ code: 'unavailable', status: 503, transient: true, retryAfterSeconds: 0 });
    expect(server.seen).toHaveLength(2);
  });

  it('waitFor long-polls with ?wait and pauses for the Retry-After of each 202', async () => {
    const { server, client } = await setUp([pending({ 'Retry-After': '1' }), succeeded], {
      pollWaitSeconds: 7,
    });
    expect((await client.waitFor(TASK)).status).toBe('succeeded');
    expect(server.seen.map((request) => request.url)).toEqual([
      `/result/${TASK}?wait=7`,
      `/result/${TASK}?wait=7`,
    ]);
    expect(server.seen[1]!.at - server.seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('classify submits with an Idempotency-Key and ?wait, then long-polls', async () => {
    const { server, client } = await setUp([pending(), succeeded]);
    expect((await client.classify(IMAGE)).result.label).toBe('stop');
    expect(server.seen[0]!.url).toBe('/predict?wait=20');
    expect(server.seen[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(server.seen[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  });

  it('a confidence floor goes with the upload as ?min_confidence; one outside 0–1 is refused before sending', async () => {
    const { server, client } = await setUp([succeeded]);
    await client.submit(IMAGE, { wait: 5, minConfidence: 0.25 });
    expect(server.seen[0]!.url).toBe('/predict?wait=5&min_confidence=0.25');
    await expect(client.submit(IMAGE, { minConfidence: 1.5 })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect(server.seen).toHaveLength(1);
  });

  it('fcmToken goes as X-Firebase-Messaging-Token, callbackUrl as ?callback_url; a notification is typed', async () => {
    const notified = json(200, {
      ...SUCCEEDED,
      notification: { channel: 'webhook', attempts: 3, delivered_at: new Date().toISOString() },
    });
    const { server, client } = await setUp([pending(), notified]);
    await client.submit(IMAGE, { fcmToken: 'device:token-1' });
    expect(server.seen[0]!.headers['x-firebase-messaging-token']).toBe('device:token-1');
    expect(server.seen[0]!.url).toBe('/predict');
    const task = await client.submit(IMAGE, { callbackUrl: 'https://hooks.example.com/a?b=c&d' });
    expect(server.seen[1]!.url).toBe(
      `/predict?callback_url=${encodeURIComponent('https://hooks.example.com/a?b=c&d')}`,
    );
    expect(server.seen[1]!.headers).not.toHaveProperty('x-firebase-messaging-token');
    expect(task.status === 'succeeded' && task.notification?.attempts).toBe(3);
  });

  it('an abort ends a long-poll at once with the signal’s reason', async () => {
    const { client } = await setUp([hang]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('user left')), 100);
    await expect(client.waitFor(TASK, { signal: controller.signal })).rejects.toThrow('user left');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('an abort during a Retry-After pause ends it at once', async () => {
    const { server, client } = await setUp([unavailable('30')]);
    const started = Date.now();
    const error = await client.submit(IMAGE, { signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(server.seen).toHaveLength(1);
  });

  it('a dropped connection is retried for GET and keyed POST, never for a POST without a key', async () => {
    const { server, client } = await setUp([reset, succeeded, reset, reset]);
    expect((await client.result(TASK)).status).toBe('succeeded');
    const error = await client.submit(IMAGE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', status: undefined });
    expect(server.seen).toHaveLength(3);
  });

  it('a body that is not a task, or not JSON, is a typed error, not a crash', async () => {
    const html: Step = (res) =>
      res.writeHead(502, { 'Content-Type': 'text/html' }).end('<h1>Bad gateway</h1>');
    const { client } = await setUp([json(200, { hello: 'world' }), html]);
    await expect(client.result(TASK)).rejects.toMatchObject({ code: 'internal', status: 200 });
    await expect(client.result(TASK)).rejects.toMatchObject({ code: 'internal', status: 502 });
  });

  it('keeps a base path: https://host/visionq/ → /visionq/predict', async () => {
    const server = await scriptedServer([json(404, {}), pending()]);
    close = server.close;
    const client = createVisionqClient({ baseUrl: `${server.url}/visionq`, token: () => 't.o.k' });
    await client.submit(IMAGE);
    expect(server.seen.map((seen) => seen.url)).toEqual(['/visionq/model', '/visionq/predict']);
  });

  it('bad options and arguments are InvalidRequestErrors, thrown before anything is sent', async () => {
    const { server, client } = await setUp([]);
    const token = () => 'x';
    expect(() => createVisionqClient({ baseUrl: 'not a url', token })).toThrow(InvalidRequestError);
    expect(() => createVisionqClient({ baseUrl: server.url, token, pollWaitSeconds: 31 })).toThrow(
      InvalidRequestError,
    );
    await expect(client.submit(new Uint8Array())).rejects.toThrow(InvalidRequestError);
    await expect(client.submit('stop.jpg' as never)).rejects.toThrow(InvalidRequestError);
    await expect(client.result(TASK, { wait: 99 })).rejects.toThrow(InvalidRequestError);
    expect(server.seen).toHaveLength(0);
  });

  it('cancel sends DELETE /result/{id} with the token and resolves on 204; a 404 is not_found', async () => {
    const noContent: Step = (res) => {
      res.writeHead(204);
      res.end();
    };
    const { server, client } = await setUp([
      noContent,
      json(404, { error: { code: 'not_found', message: 'task not found' } }),
    ]);
    await expect(client.cancel(TASK)).resolves.toBeUndefined();
    expect(server.seen[0]).toMatchObject({ method: 'DELETE', url: `/result/${TASK}` });
    expect(server.seen[0]!.headers.authorization).toBe('Bearer a.b.c');
    await expect(client.cancel(TASK)).rejects.toMatchObject({ code: 'not_found', status: 404 });
  });
});
