import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VisionqError } from '@visionq/core';
import {
  FailedBodySchema,
  PendingBodySchema,
  SucceededBodySchema,
} from '../../../apps/api/src/http/schemas.js';
import { repoPath } from '@visionq/service-kit';
import { createVisionqClient, VisionqApiError, type VisionqClientOptions } from '../src/index.js';
import { SVG, sample, startApi, tokenFor, type LiveApi } from './support/service.js';

const STOP = sample('stop.jpg');
const SPANISH = new Map(
  (
    JSON.parse(readFileSync(repoPath('models/traffic-signs/traffic-signs.json'), 'utf8')) as {
      labels: { id: string; names: { es: string } }[];
    }
  ).labels.map((label) => [label.id, label.names.es]),
);
const RATE_LIMIT = 8;

async function rejection(promise: Promise<unknown>): Promise<VisionqApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(VisionqApiError);
  expect(error).toBeInstanceOf(VisionqError);
  return error as VisionqApiError;
}

describe('@visionq/client against the real API (all-in-one process)', () => {
  let api: LiveApi;
  beforeAll(async () => {
    api = await startApi({ RATE_LIMIT_PER_MIN: String(RATE_LIMIT), MAX_UPLOAD_BYTES: String(256 * 1024) });
  }, 90_000);
  afterAll(async () => {
    expect(await api.stop()).toBe(0);
  });

  /** A client for a user of its own, so that tests never share a rate-limit budget or each other's tasks. */
  const clientFor = (options: Partial<VisionqClientOptions> = {}) => {
    const uid = `client-${randomUUID()}`;
    return createVisionqClient({ baseUrl: api.url, token: () => tokenFor(uid), ...options });
  };

  it('classify: a stop sign photo → the succeeded body of the API, stop first', async () => {
    const task = await clientFor().classify(STOP);
    expect(SucceededBodySchema.parse(task)).toEqual(task);
    expect(task.result.label).toBe('stop');
    expect(task.result.top_k[0]?.label).toBe('stop');
    expect(task.model.name).toBe('traffic-signs');
  });

  it('classify takes a File, a Blob and an ArrayBuffer alike; language picks the display names', async () => {
    const client = clientFor({ language: 'es' });
    const bytes = new Uint8Array(STOP).buffer;
    const results = [];
    for (const image of [STOP, new File([STOP], 'stop.jpg'), new Blob([STOP]), bytes]) {
      results.push((await client.classify(image)).result);
    }
    // The same bytes reached the model each time.
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    const { label, display } = results[0] as { label: string; display?: string };
    expect(display).toBe(SPANISH.get(label));
  });

  it('submit → pending (202), result without wait, then result with wait → succeeded', async () => {
    const client = clientFor();
    const pending = await client.submit(STOP);
    expect(PendingBodySchema.parse(pending)).toEqual(pending);
    const now = await client.result(pending.task_id);
    expect(['queued', 'processing', 'succeeded']).toContain(now.status);
    const ended = await client.result(pending.task_id, { wait: 20 });
    expect(ended.status).toBe('succeeded');
    expect(await client.waitFor(pending.task_id)).toEqual(ended);
  });

  it('submit with wait answers with the ended task in one request', async () => {
    const task = await clientFor().submit(STOP, { wait: 20 });
    expect(task.status).toBe('succeeded');
  });

  it('idempotencyKey: the same key → the same task; the same key with another image → conflict (422)', async () => {
    const client = clientFor();
    const key = `key-${randomUUID()}`;
    const first = await client.submit(STOP, { idempotencyKey: key });
    const again = await client.submit(STOP, { idempotencyKey: key });
    expect(again.task_id).toBe(first.task_id);
    const error = await rejection(client.submit(sample('yield.jpg'), { idempotencyKey: key }));
    expect(error).toMatchObject({ code: 'conflict', status: 422 });
  });

  it('typed errors: unsupported_type (415), too_large (413), invalid_image (422)', async () => {
    const client = clientFor();
    expect(await rejection(client.submit(SVG))).toMatchObject({ code: 'unsupported_type', status: 415 });
    const huge = Buffer.concat([STOP, Buffer.alloc(300 * 1024)]);
    expect(await rejection(client.submit(huge))).toMatchObject({ code: 'too_large', status: 413 });
    const broken = Buffer.concat([STOP.subarray(0, 4), Buffer.alloc(64, 0x11)]);
    expect(await rejection(client.submit(broken))).toMatchObject({ code: 'invalid_image', status: 422 });
  });

  it('notifications the server does not offer are refused, typed: callbackUrl → invalid_callback (422), fcmToken → 400', async () => {
    // The embedded default sends neither webhooks (no CALLBACK_HOSTS) nor FCM messages.
    const client = clientFor();
    const hook = await rejection(client.submit(STOP, { callbackUrl: 'https://hooks.example.com/visionq' }));
    expect(hook).toMatchObject({ code: 'invalid_callback', status: 422, transient: false });
    const device = await rejection(client.classify(STOP, { fcmToken: 'device-token' }));
    expect(device).toMatchObject({ code: 'invalid_request', status: 400 });
  });

  it('a task that fails in the worker: classify throws its code and task id; waitFor returns it', async () => {
    const client = clientFor();
    const truncated = STOP.subarray(0, Math.floor(STOP.length * 0.4));
    const error = await rejection(client.classify(truncated));
    expect(error.code).toBe('invalid_image');
    expect(error.taskId).toMatch(/^[0-9a-f-]{36}$/);
    const task = await client.waitFor(error.taskId as string);
    expect(FailedBodySchema.parse(task).error.code).toBe('invalid_image');
  });

  it('not_found (404) for an unknown task, a non-UUID, and another user’s task', async () => {
    const mine = clientFor();
    const theirs = clientFor();
    const { task_id } = await mine.submit(STOP);
    for (const id of [randomUUID(), 'not-a-uuid', task_id]) {
      expect(await rejection(theirs.result(id))).toMatchObject({ code: 'not_found', status: 404 });
    }
  });

  it('the token provider is called per request, and again with forceRefresh after a 401', async () => {
    const uid = `refresh-${randomUUID()}`;
    const calls: boolean[] = [];
    const client = createVisionqClient({
      baseUrl: api.url,
      // Like a cached Firebase token that has expired: only a forced refresh yields a valid one.
      token: async ({ forceRefresh }) => {
        calls.push(forceRefresh);
        return forceRefresh ? tokenFor(uid) : 'expired.token.value';
      },
    });
    const task = await client.submit(STOP);
    expect(calls).toEqual([false, true]);
    await client.result(task.task_id);
    expect(calls).toEqual([false, true, false, true]);
  });

  it('unauthorized (401) when even a refreshed token is refused; a throwing provider sends nothing', async () => {
    const bad = createVisionqClient({ baseUrl: api.url, token: () => 'not-a-jwt' });
    expect(await rejection(bad.submit(STOP))).toMatchObject({ code: 'unauthorized', status: 401 });
    const failing = createVisionqClient({
      baseUrl: api.url,
      token: () => Promise.reject(new Error('signed out')),
    });
    const error = await rejection(failing.submit(STOP));
    expect(error).toMatchObject({ code: 'unauthorized', status: undefined });
    expect((error.cause as Error).message).toBe('signed out');
  });

  it('rate_limited (429): Retry-After is read; past maxRetryWaitSeconds it throws at once', async () => {
    const client = clientFor({ maxRetryWaitSeconds: 5 });
    for (let i = 0; i < RATE_LIMIT; i += 1) await client.submit(STOP);
    const started = Date.now();
    const error = await rejection(client.submit(STOP));
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, transient: true });
    expect(error.retryAfterSeconds).toBeGreaterThan(5);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('an AbortSignal stops a wait for a rate limit at once, with the signal’s reason', async () => {
    const client = clientFor();
    for (let i = 0; i < RATE_LIMIT; i += 1) await client.submit(STOP);
    const started = Date.now();
    const error = await client.submit(STOP, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
