import { readFileSync } from 'node:fs';
import request from 'supertest';
import { expect, it } from 'vitest';
import { createEmulatorIdToken } from '@visionq/auth-firebase';
import { repoPath } from '@visionq/service-kit';
import {
  ErrorBodySchema,
  SucceededBodySchema,
  FailedBodySchema,
  PendingBodySchema,
} from '../../src/http/schemas.js';
import { jpeg, noisyJpeg, png, pngBombHeader } from '../support.js';

/** Settings the processes under test run with, so that the limits can be reached quickly. */
export const SUITE_ENV = { MAX_UPLOAD_BYTES: String(512 * 1024), RATE_LIMIT_PER_MIN: '20' };

const STOP = readFileSync(repoPath('models/traffic-signs/samples/stop.jpg'));
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function tokenFor(uid: string): string {
  return createEmulatorIdToken({ uid, projectId: 'demo-visionq' });
}

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(ErrorBodySchema.parse(res.body).error.code).toBe(code);
}

/**
 * Every row of SPEC's HTTP API, black-box, over real sockets against a running service (`baseUrl()`): the same
 * suite runs against the all-in-one process and against separate api and worker processes.
 */
export function httpSuite(baseUrl: () => string): void {
  const api = () => request(baseUrl());
  const alice = { Authorization: `Bearer ${tokenFor(`alice-${process.pid}`)}` };
  const bob = { Authorization: `Bearer ${tokenFor(`bob-${process.pid}`)}` };

  it('401 for a missing, malformed, unsigned-but-wrong-project or garbage token, with WWW-Authenticate', async () => {
    const wrongProject = createEmulatorIdToken({ uid: 'mallory', projectId: 'someone-else' });
    for (const headers of [
      {},
      { Authorization: 'Basic abc' },
      { Authorization: `Bearer ${wrongProject}` },
      { Authorization: 'Bearer x.y.z' },
    ]) {
      const res = await api().post('/predict').set(headers).attach('image', STOP, 'stop.jpg');
      expectError(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('a stop sign photo → 202 with Location, then GET ?wait → 200 succeeded, stop first', async () => {
    const accepted = await api().post('/predict').set(alice).attach('image', STOP, 'stop.jpg');
    expect(accepted.status, accepted.text).toBe(202);
    const { task_id } = PendingBodySchema.parse(accepted.body);
    expect(task_id).toMatch(UUID_V4);
    expect(accepted.headers.location).toBe(`/result/${task_id}`);
    const done = await api().get(`/result/${task_id}?wait=20`).set(alice);
    expect(done.status).toBe(200);
    const body = SucceededBodySchema.parse(done.body);
    expect(body.result.label).toBe('stop');
    expect(body.model.name).toBe('traffic-signs');
  });

  it('POST ?wait → 200 with the result in one request; Accept-Language picks the display names', async () => {
    const res = await api()
      .post('/predict?wait=20')
      .set(alice)
      .set('Accept-Language', 'es')
      .attach('image', STOP, 'stop.jpg');
    expect(res.status, res.text).toBe(200);
    const body = SucceededBodySchema.parse(res.body);
    expect(body.result).toMatchObject({ label: 'stop', display: 'Pare' });
  });

  it('a raw image/* body is accepted too', async () => {
    const res = await api().post('/predict?wait=20').set(alice).set('Content-Type', 'image/jpeg').send(STOP);
    expect(res.status, res.text).toBe(200);
  });

  it('413 over the upload limit; 400 for no file, wrong field, two files', async () => {
    expectError(
      await api()
        .post('/predict')
        .set(alice)
        .attach('image', await noisyJpeg(1200, 1200), 'big.jpg'),
      413,
      'too_large',
    );
    expectError(await api().post('/predict').set(alice).field('x', 'y'), 400, 'invalid_request');
    expectError(
      await api().post('/predict').set(alice).attach('photo', STOP, 'a.jpg'),
      400,
      'invalid_request',
    );
    expectError(
      await api().post('/predict').set(alice).attach('image', STOP, 'a.jpg').attach('image', STOP, 'b.jpg'),
      400,
      'invalid_request',
    );
  });

  it('415 for what is not an image by its bytes; 422 for a broken header and a decompression bomb', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>');
    expectError(
      await api()
        .post('/predict')
        .set(alice)
        .attach('image', svg, { filename: 'a.jpg', contentType: 'image/jpeg' }),
      415,
      'unsupported_type',
    );
    const broken = Buffer.concat([STOP.subarray(0, 4), Buffer.alloc(64, 0x11)]);
    expectError(
      await api().post('/predict').set(alice).attach('image', broken, 'b.jpg'),
      422,
      'invalid_image',
    );
    expectError(
      await api()
        .post('/predict')
        .set(alice)
        .attach('image', await pngBombHeader(), 'c.png'),
      422,
      'invalid_image',
    );
  });

  it('damage only a full decode finds ends the task failed with invalid_image', async () => {
    const photo = await noisyJpeg(320, 240);
    const truncated = photo.subarray(0, Math.floor(photo.length * 0.4));
    const res = await api().post('/predict?wait=20').set(alice).attach('image', truncated, 'cut.jpg');
    expect(res.status, res.text).toBe(200);
    expect(FailedBodySchema.parse(res.body).error.code).toBe('invalid_image');
  });

  it('owner isolation: another uid gets the very same 404 as an unknown id and a non-UUID', async () => {
    const { body } = await api()
      .post('/predict')
      .set(alice)
      .attach('image', await jpeg(), 'a.jpg');
    const theirs = await api().get(`/result/${body.task_id}`).set(bob);
    const unknown = await api().get('/result/0e4f5c52-5a36-4f4e-8f0e-6f7a1a4b2c3d').set(bob);
    const junk = await api().get('/result/not-a-uuid').set(bob);
    expectError(theirs, 404, 'not_found');
    expect(theirs.text).toBe(unknown.text);
    expect(theirs.text).toBe(junk.text);
  });

  it('Idempotency-Key: the same key and image → the same task; another image → 422', async () => {
    const key = `key-${Date.now()}`;
    const image = await png(20, 20);
    const first = await api()
      .post('/predict')
      .set(alice)
      .set('Idempotency-Key', key)
      .attach('image', image, 'a.png');
    const again = await api()
      .post('/predict')
      .set(alice)
      .set('Idempotency-Key', key)
      .attach('image', image, 'a.png');
    expect([first.status, again.status]).toEqual([202, expect.any(Number)]);
    expect(again.body.task_id).toBe(first.body.task_id);
    const other = await api()
      .post('/predict')
      .set(alice)
      .set('Idempotency-Key', key)
      .attach('image', await jpeg(), 'b.jpg');
    expectError(other, 422, 'conflict');
  });

  it('429 with Retry-After over the per-uid rate limit', async () => {
    const carol = { Authorization: `Bearer ${tokenFor(`carol-${process.pid}-${Date.now()}`)}` };
    const image = await jpeg(8, 8);
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < Number(SUITE_ENV.RATE_LIMIT_PER_MIN) + 1; i += 1) {
      const res = await api().post('/predict').set(carol).attach('image', image, 'a.jpg');
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(Number(SUITE_ENV.RATE_LIMIT_PER_MIN));
    expect(limited && Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('healthz, readyz, metrics and openapi answer; no x-powered-by', async () => {
    const health = await api().get('/healthz');
    expect(health.status).toBe(200);
    expect(health.headers['x-powered-by']).toBeUndefined();
    expect((await api().get('/readyz')).body).toMatchObject({ status: 'ready' });
    expect((await api().get('/metrics')).text).toContain('visionq_tasks_submitted_total');
    expect((await api().get('/openapi.json')).body.paths).toHaveProperty('/predict');
  });
}
