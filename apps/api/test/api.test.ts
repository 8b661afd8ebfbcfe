import request from 'supertest';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { FakeClassifier, InMemoryTaskQueue, UnavailableError } from '@visionq/core';
import {
  ErrorBodySchema,
  FailedBodySchema,
  PendingBodySchema,
  SucceededBodySchema,
} from '../src/http/schemas.js';
import {
  MODEL,
  TOKENS,
  bearer,
  testServices,
  jpeg,
  noisyJpeg,
  png,
  pngBombHeader,
  queued,
} from './support.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const service = testServices();
const auth = bearer;

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(ErrorBodySchema.parse(res.body).error.code).toBe(code);
  expect(JSON.stringify(res.body)).not.toMatch(/at .+\.(ts|js):\d+/);
}

describe('POST /predict: authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['a non-Bearer scheme', { Authorization: `Basic ${TOKENS.alice}` }],
    ['an empty Bearer', { Authorization: 'Bearer ' }],
    ['an unknown token', { Authorization: 'Bearer not-a-token' }],
  ])('%s → 401 with WWW-Authenticate: Bearer', async (_name, headers) => {
    const { app } = await service();
    const res = await request(app)
      .post('/predict')
      .set(headers)
      .attach('image', await jpeg(), 'a.jpg');
    expectError(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body.error.message).toBe('unauthorized');
  });
});

describe('POST /predict: uploads', () => {
  it('uploads land in reused buffers, yet each of 40 queued photos is classified from its own bytes', async () => {
    // Small photos share one buffer size, and the fake classifier's answer is a hash of every byte it gets: a
    // buffer reused while its task still waited in the queue would give that task another photo's answer.
    const { app, uploads } = await service({ classifierDelayMs: 20 });
    const photos = await Promise.all(Array.from({ length: 40 }, (_, i) => noisyJpeg(100 + i, 80)));
    const expected = await new FakeClassifier({ model: MODEL }).classify(photos);
    const taskIds: string[] = [];
    for (const [i, photo] of photos.entries()) {
      const post = request(app).post('/predict').set(auth());
      const res = await (i % 2
        ? post.attach('image', photo, 'a.jpg')
        : post.set('Content-Type', 'image/jpeg').send(photo));
      taskIds.push(PendingBodySchema.parse(res.body).task_id);
    }
    const answers = await Promise.all(
      taskIds.map((id) => request(app).get(`/result/${id}?wait=10`).set(auth())),
    );
    const got = answers.map((res) => SucceededBodySchema.parse(res.body).result);
    expect(got.map(({ label, confidence }) => ({ label, confidence }))).toEqual(
      expected.map((c) => (c.ok ? { label: c.prediction.label, confidence: c.prediction.confidence } : c)),
    );
    expect(uploads.stats().inUse).toBe(0);
    expect(uploads.stats().freeBytes).toBeGreaterThan(0);
  });

  it('multipart upload → 202, Location, task id (uuid v4), status queued', async () => {
    const { app, store } = await service({ worker: false });
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', await jpeg(), 'photo.jpg');
    expect(res.status).toBe(202);
    const body = PendingBodySchema.parse(res.body);
    expect(body).toEqual({ task_id: expect.stringMatching(UUID_V4), status: 'queued' });
    expect(res.headers.location).toBe(`/result/${body.task_id}`);
    expect(await store.get(body.task_id)).toMatchObject({ owner: 'alice', status: 'queued' });
  });

  it('raw image body → 202, whatever it is called; the type comes from the bytes', async () => {
    const { app, broker } = await service({ worker: false });
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .set('Content-Type', 'image/jpeg')
      .send(await png());
    expect(res.status).toBe(202);
    expect(broker.depth('visionq.tasks')).toBe(1);
  });

  it('a multipart body cut short → 400; nothing queued, no buffer kept', async () => {
    const { app, broker, uploads } = await service({ worker: false });
    const photo = await jpeg();
    const head = `--cut\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .set('Content-Type', 'multipart/form-data; boundary=cut')
      .send(Buffer.concat([Buffer.from(head), photo.subarray(0, 300)]));
    expectError(res, 400, 'invalid_request');
    expect(broker.depth('visionq.tasks')).toBe(0);
    expect(uploads.stats().inUse).toBe(0);
  });

  it.each(['image/jpeg', 'multipart/form-data; boundary=gone'])(
    'a client that hangs up mid-upload (%s) leaves no buffer behind',
    async (type) => {
      const { app, uploads } = await service({ worker: false });
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        `POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth().Authorization}\r\n` +
          `Content-Type: ${type}\r\nContent-Length: 100000\r\n\r\n` +
          (type.startsWith('multipart')
            ? `--gone\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n`
            : '') +
          '\xff'.repeat(5000),
      );
      await vi.waitFor(() => expect(uploads.stats().inUse).toBe(1));
      socket.destroy();
      await vi.waitFor(() => expect(uploads.stats().inUse).toBe(0));
      server.close();
    },
  );

  it('larger than the limit → 413, multipart and raw alike', async () => {
    const { app, broker } = await service({ maxUploadBytes: 2_000 });
    const big = await noisyJpeg(200, 200);
    expect(big.length).toBeGreaterThan(2_000);
    expectError(
      await request(app).post('/predict').set(auth()).attach('image', big, 'big.jpg'),
      413,
      'too_large',
    );
    const raw = await request(app).post('/predict').set(auth()).set('Content-Type', 'image/jpeg').send(big);
    expectError(raw, 413, 'too_large');
    expect(broker.depth('visionq.tasks')).toBe(0);
  });

  it.each([
    ['no file at all', (r: request.Test) => r.field('note', 'hello')],
    ['the wrong field', async (r: request.Test) => r.attach('photo', await jpeg(), 'a.jpg')],
    [
      'two files',
      async (r: request.Test) =>
        r.attach('image', await jpeg(), 'a.jpg').attach('image', await jpeg(), 'b.jpg'),
    ],
    ['a JSON body', (r: request.Test) => r.send({ image: 'aGVsbG8=' })],
    [
      'a zero-byte file',
      (r: request.Test) =>
        r.attach('image', Buffer.alloc(0), { filename: 'a.jpg', contentType: 'image/jpeg' }),
    ],
    ['a zero-byte raw body', (r: request.Test) => r.set('Content-Type', 'image/jpeg').send(Buffer.alloc(0))],
  ])('%s → 400', async (_name, build) => {
    const { app, broker, uploads } = await service();
    const res = await build(request(app).post('/predict').set(auth()));
    expectError(res, 400, 'invalid_request');
    expect(broker.depth('visionq.tasks')).toBe(0);
    expect(uploads.stats().inUse).toBe(0);
  });

  it('a zero-byte file says there is no file', async () => {
    const { app } = await service();
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', Buffer.alloc(0), { filename: 'a.jpg', contentType: 'image/jpeg' });
    expectError(res, 400, 'invalid_request');
    expect(res.body.error.message).toMatch(/^no file in form field "image"/);
  });

  it.each([
    ['text', Buffer.from('hello, I am not an image at all')],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>')],
    ['HTML', Buffer.from('<!doctype html><html><body>hi</body></html>')],
  ])('%s named .jpg → 415 (sniffed by bytes)', async (_name, bytes) => {
    const { app } = await service();
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', bytes, { filename: 'x.jpg', contentType: 'image/jpeg' });
    expectError(res, 415, 'unsupported_type');
  });

  it('a header that does not parse → 422; a decompression bomb → 422', async () => {
    const { app, broker } = await service();
    const broken = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(40, 7),
    ]);
    expectError(
      await request(app).post('/predict').set(auth()).attach('image', broken, 'b.png'),
      422,
      'invalid_image',
    );
    const bomb = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', await pngBombHeader(), 'bomb.png');
    expectError(bomb, 422, 'invalid_image');
    expect(bomb.body.error.message).toMatch(/pixel/i);
    expect(broker.depth('visionq.tasks')).toBe(0);
  });

  it('queue unreachable → 503 with Retry-After, and the task is forgotten, not half-accepted', async () => {
    const down = new InMemoryTaskQueue();
    down.publish = async () => {
      throw new UnavailableError('broker is down');
    };
    const { app, store } = await service({ queue: down, worker: false });
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .set('Idempotency-Key', 'k1')
      .attach('image', await jpeg(), 'a.jpg');
    expectError(res, 503, 'unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // A retry with the same key is a fresh attempt, not an answer pointing at a task that was never queued.
    down.publish = InMemoryTaskQueue.prototype.publish.bind(down);
    const retry = await request(app)
      .post('/predict')
      .set(auth())
      .set('Idempotency-Key', 'k1')
      .attach('image', await jpeg(), 'a.jpg');
    expect(retry.status).toBe(202);
    expect(await store.get(retry.body.task_id)).toBeDefined();
  });

  it('?wait=N answers 200 with the result when it is ready in time', async () => {
    const { app } = await service();
    const res = await request(app)
      .post('/predict?wait=5')
      .set(auth())
      .attach('image', await jpeg(), 'a.jpg');
    expect(res.status).toBe(200);
    expect(SucceededBodySchema.parse(res.body).result.top_k.length).toBeGreaterThan(0);
  });

  it('?min_confidence reaches the worker: under it, recognized is false and the label is the none label', async () => {
    const { app } = await service();
    const image = await jpeg();
    const strict = await request(app)
      .post('/predict?wait=5&min_confidence=1')
      .set({ ...auth(), 'Accept-Language': 'es' })
      .attach('image', image, 'a.jpg');
    expect(strict.status).toBe(200);
    const { result } = SucceededBodySchema.parse(strict.body);
    expect(result).toMatchObject({
      recognized: false,
      label: 'no_sign',
      display: 'No se reconoce ninguna señal',
    });
    expect(result.confidence).toBe(result.top_k[0]?.confidence);
    expect(MODEL.labels.map((l) => l.id)).toContain(result.top_k[0]?.label);
    const lenient = await request(app)
      .post('/predict?wait=5&min_confidence=0')
      .set(auth())
      .attach('image', image, 'a.jpg');
    expect(SucceededBodySchema.parse(lenient.body).result).toMatchObject({
      recognized: true,
      label: result.top_k[0]?.label,
    });
  });

  it.each(['1.5', '-0.1', 'high', '0x1'])('?min_confidence=%s → 400', async (floor) => {
    const { app } = await service();
    const res = await request(app)
      .post(`/predict?min_confidence=${floor}`)
      .set(auth())
      .attach('image', await jpeg(), 'a.jpg');
    expectError(res, 400, 'invalid_request');
  });

  it.each(['31', '-1', 'soon', '1e3'])('?wait=%s → 400', async (wait) => {
    const { app } = await service();
    const res = await request(app)
      .post(`/predict?wait=${wait}`)
      .set(auth())
      .attach('image', await jpeg(), 'a.jpg');
    expectError(res, 400, 'invalid_request');
  });
});

describe('POST /predict: idempotency and rate limit', () => {
  it('the same Idempotency-Key and image → the same task, queued once; another image → 422', async () => {
    const { app, broker } = await service({ worker: false });
    const image = await jpeg();
    const first = await request(app)
      .post('/predict')
      .set(auth())
      .set('Idempotency-Key', 'upload-1')
      .attach('image', image, 'a.jpg');
    const again = await request(app)
      .post('/predict')
      .set(auth())
      .set('Idempotency-Key', 'upload-1')
      .attach('image', image, 'a.jpg');
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.task_id).toBe(first.body.task_id);
    expect(broker.depth('visionq.tasks')).toBe(1);
    const other = await request(app)
      .post('/predict')
      .set(auth())
      .set('Idempotency-Key', 'upload-1')
      .attach('image', await png(), 'b.png');
    expectError(other, 422, 'conflict');
    // Keys belong to a uid: bob's identical key is his own.
    const bob = await request(app)
      .post('/predict')
      .set(auth('bob'))
      .set('Idempotency-Key', 'upload-1')
      .attach('image', image, 'a.jpg');
    expect(bob.status).toBe(202);
    expect(bob.body.task_id).not.toBe(first.body.task_id);
  });

  it('over the per-uid limit → 429 with Retry-After; other users are not affected', async () => {
    const { app } = await service({ rateLimitPerMin: 2, worker: false });
    const image = await jpeg();
    for (let i = 0; i < 2; i += 1) {
      expect((await request(app).post('/predict').set(auth()).attach('image', image, 'a.jpg')).status).toBe(
        202,
      );
    }
    const limited = await request(app).post('/predict').set(auth()).attach('image', image, 'a.jpg');
    expectError(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(
      (await request(app).post('/predict').set(auth('bob')).attach('image', image, 'a.jpg')).status,
    ).toBe(202);
  });

  it('an image costly to decode counts as many photos against the limit: a 16-megapixel AVIF 27 of 30; a refused one counts as one upload', async () => {
    const svc = await service({ rateLimitPerMin: 30, worker: false });
    const { app, broker } = svc;
    const avif = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#3a6' } })
      .avif({ effort: 0 })
      .toBuffer();
    const upload = (image: Buffer, name: string) =>
      request(app).post('/predict').set(auth()).attach('image', image, name);
    expect((await upload(avif, 'big.avif')).status).toBe(202);
    const refused = await upload(avif, 'big.avif');
    expectError(refused, 429, 'rate_limited');
    expect(refused.body.error.message).toMatch(/as much to decode as 27 photos/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // 27, 1 for the refused AVIF (as for any upload), and 2 ordinary photos fill the 30.
    const photo = await jpeg();
    for (let i = 0; i < 2; i += 1) expect((await upload(photo, 'a.jpg')).status).toBe(202);
    expectError(await upload(photo, 'a.jpg'), 429, 'rate_limited');
    expect(broker.depth('visionq.tasks')).toBe(3);
    // The cost travels with the task: the worker classifies the AVIF on its own, not in a batch.
    expect((await queued(svc)).map((message) => message.decodeUnits)).toEqual([27, 1, 1]);
  });
});

describe('GET /result/{task_id}', () => {
  it('queued → 202 with Retry-After; then succeeded → 200 with result, model, times', async () => {
    const { app, worker } = await service({ worker: false });
    const { body } = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', await jpeg(), 'a.jpg');
    const pending = await request(app).get(`/result/${body.task_id}`).set(auth());
    expect(pending.status).toBe(202);
    expect(pending.headers['retry-after']).toBe('1');
    expect(PendingBodySchema.parse(pending.body)).toEqual({ task_id: body.task_id, status: 'queued' });
    await worker.start();
    const done = await request(app).get(`/result/${body.task_id}?wait=5`).set(auth());
    expect(done.status).toBe(200);
    const result = SucceededBodySchema.parse(done.body);
    expect(result).toMatchObject({
      task_id: body.task_id,
      status: 'succeeded',
      model: { name: 'traffic-signs', version: '1' },
    });
    expect(result.result.top_k[0]).toEqual({
      label: result.result.label,
      confidence: result.result.confidence,
      display: result.result.display,
    });
    expect(done.body).not.toHaveProperty('owner');
  });

  it("display names follow Accept-Language among the model's languages (default English)", async () => {
    const { app } = await service();
    const { body } = await request(app)
      .post('/predict?wait=5')
      .set(auth())
      .attach('image', await jpeg(), 'a.jpg');
    const es = await request(app)
      .get(`/result/${body.task_id}`)
      .set(auth())
      .set('Accept-Language', 'es-ES,es;q=0.9');
    const fr = await request(app).get(`/result/${body.task_id}`).set(auth()).set('Accept-Language', 'fr');
    const names = {
      stop: ['Pare', 'Stop'],
      speed_limit_50: ['Límite de velocidad 50', 'Speed limit 50'],
      yield: ['Ceda el paso', 'Yield'],
    };
    const label = es.body.result.label as keyof typeof names;
    expect(es.body.result.display).toBe(names[label][0]);
    expect(fr.body.result.display).toBe(names[label][1]);
  });

  it("another uid's task → the same 404, byte for byte, as an unknown id and as a non-UUID", async () => {
    const { app } = await service({ worker: false });
    const { body } = await request(app)
      .post('/predict')
      .set(auth('alice'))
      .attach('image', await jpeg(), 'a.jpg');
    const theirs = await request(app).get(`/result/${body.task_id}`).set(auth('bob'));
    const unknown = await request(app).get('/result/5d1b4c0e-7a0c-4a4e-9d8e-2b7f2c1e9a11').set(auth('bob'));
    const junk = await request(app).get('/result/../../etc').set(auth('bob'));
    const notUuid = await request(app).get('/result/12345').set(auth('bob'));
    expectError(theirs, 404, 'not_found');
    expect(theirs.text).toBe(unknown.text);
    expect(theirs.text).toBe(notUuid.text);
    expect(junk.status).toBe(404);
    expect(theirs.headers['content-length']).toBe(unknown.headers['content-length']);
  });

  it('requires authentication too', async () => {
    const { app } = await service();
    const res = await request(app).get('/result/5d1b4c0e-7a0c-4a4e-9d8e-2b7f2c1e9a11');
    expectError(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('long-poll answers within 50 ms of completion', async () => {
    const { app, store } = await service({ worker: false });
    const { body } = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', await jpeg(), 'a.jpg');
    let completedAt = 0;
    setTimeout(() => {
      void store
        .complete(body.task_id, 'alice', { status: 'failed', error: { code: 'invalid_image', message: 'x' } })
        .then(() => (completedAt = performance.now()));
    }, 300);
    const res = await request(app).get(`/result/${body.task_id}?wait=10`).set(auth());
    const answeredAt = performance.now();
    expect(FailedBodySchema.parse(res.body).status).toBe('failed');
    expect(answeredAt - completedAt).toBeLessThan(50);
  });
});

describe('operations', () => {
  it('healthz, readyz, openapi; no x-powered-by; security headers; metrics not on the public port', async () => {
    const { app, metrics: registry } = await service();
    const health = await request(app).get('/healthz');
    expect(health.status).toBe(200);
    expect(health.headers['x-powered-by']).toBeUndefined();
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect((await request(app).get('/readyz')).body).toEqual({ status: 'ready', queue: 'ok', store: 'ok' });
    await request(app)
      .post('/predict')
      .set({ Authorization: 'Bearer nope' })
      .attach('image', await jpeg(), 'a.jpg');
    expect((await request(app).get('/metrics')).status).toBe(404);
    const metrics = await registry.registry.metrics();
    expect(metrics).toContain('visionq_http_request_duration_seconds');
    expect(metrics).toMatch(/visionq_auth_failures_total\{reason="invalid"\} 1/);
    const openapi = await request(app).get('/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining(['/predict', '/result/{task_id}']),
    );
    expect(Object.keys(openapi.body.components.schemas)).toEqual(
      expect.arrayContaining(['TaskPending', 'TaskSucceeded', 'TaskFailed', 'Error']),
    );
    const result = openapi.body.components.schemas.TaskSucceeded.properties.result;
    expect(result.required).toContain('recognized');
    expect(result.properties.recognized).toMatchObject({ type: 'boolean' });
    expect(result.properties.recognized.description).toMatch(
      /floor.*minConfidence.*min_confidence.*noneLabel/s,
    );
    const parameters = openapi.body.paths['/predict'].post.parameters.map((p: { name: string }) => p.name);
    expect(parameters).toContain('min_confidence');
  });

  it('labels the try-it page and /docs in the request metrics by route, and only unknown paths as unmatched', async () => {
    const { app, metrics } = await service();
    for (const path of ['/', '/app.js', '/docs', '/no-such-page']) await request(app).get(path);
    // Metrics are served on an internal port of their own: read the registry that port would serve.
    const text = await metrics.registry.metrics();
    const count = (route: string, status: number) =>
      text.match(
        new RegExp(
          `visionq_http_request_duration_seconds_count\\{method="GET",route="${route}",status="${status}"\\} (\\d+)`,
        ),
      )?.[1];
    expect(count('/', 200)).toBe('1');
    expect(count('/app.js', 200)).toBe('1');
    expect(count('/docs', 200)).toBe('1');
    expect(count('unmatched', 404)).toBe('1');
  });

  it('readyz → 503 when the store is unreachable', async () => {
    const { app, store } = await service();
    await store.close();
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ store: 'unavailable' });
  });

  it('logs carry the task id and never the token or image bytes', async () => {
    const { app, logs } = await service();
    const image = await jpeg();
    const res = await request(app).post('/predict?wait=5').set(auth()).attach('image', image, 'a.jpg');
    const text = logs.join('');
    expect(text).toContain(res.body.task_id);
    expect(text).not.toContain(TOKENS.alice);
    expect(text).not.toContain(image.subarray(20, 60).toString('base64'));
    expect(text).not.toContain(image.subarray(20, 60).toString('latin1'));
  });
});
