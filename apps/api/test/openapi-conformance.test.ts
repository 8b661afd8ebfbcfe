import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { InMemoryTaskQueue, UnavailableError } from '@visionq/core';
import { openApiDocument } from '../src/openapi.js';
import { bearer, jpeg, pngBombHeader, testServices } from './support.js';

// What the routes really answer, held to the OpenAPI document: every status they send is documented for its
// operation, and the headers a client acts on are documented exactly where they are sent.

interface Operation {
  operationId: string;
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
const service = testServices();
const TRACKED = ['Location', 'Retry-After', 'WWW-Authenticate', 'X-Request-Id'];
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>');
const seen = new Map<string, Set<string>>();

function check(method: string, path: string, res: request.Response) {
  const operation = doc.paths[path]?.[method];
  expect(operation, `${method} ${path}`).toBeDefined();
  const documented = operation?.responses[String(res.status)];
  expect(documented, `${operation?.operationId} answered ${res.status}, undocumented`).toBeDefined();
  const declared = Object.keys(documented?.headers ?? {});
  const sent = TRACKED.filter((name) => res.headers[name.toLowerCase()] !== undefined);
  expect(sent, `${operation?.operationId} ${res.status}`).toEqual(
    TRACKED.filter((name) => declared.includes(name)),
  );
  const statuses = seen.get(operation!.operationId) ?? new Set();
  seen.set(operation!.operationId, statuses.add(String(res.status)));
}

const upload = (app: Parameters<typeof request>[0], query = '', image?: Buffer, name = 'a.jpg') =>
  image
    ? request(app).post(`/predict${query}`).set(bearer()).attach('image', image, name)
    : request(app).post(`/predict${query}`).set(bearer());

describe('responses agree with the OpenAPI document', () => {
  it('POST /predict', async () => {
    const { app } = await service();
    check('post', '/predict', await upload(app, '?wait=5', await jpeg()));
    check('post', '/predict', await upload(app, '?wait=abc', await jpeg()));
    check(
      'post',
      '/predict',
      await request(app)
        .post('/predict')
        .attach('image', await jpeg(), 'a.jpg'),
    );
    check('post', '/predict', await upload(app, '', SVG, 'a.svg'));
    check('post', '/predict', await upload(app, '', await pngBombHeader(), 'a.png'));
    const idle = await service({ worker: false, maxUploadBytes: 4096, rateLimitPerMin: 2 });
    check('post', '/predict', await upload(idle.app, '', await jpeg()));
    check('post', '/predict', await upload(idle.app, '', Buffer.alloc(8192, 1)));
    check('post', '/predict', await upload(idle.app, '', await jpeg()));
    const down = new InMemoryTaskQueue();
    down.publish = async () => {
      throw new UnavailableError('broker is down');
    };
    check('post', '/predict', await upload((await service({ queue: down })).app, '', await jpeg()));
    expect([...(seen.get('submitImage') ?? [])].sort()).toEqual([
      '200',
      '202',
      '400',
      '401',
      '413',
      '415',
      '422',
      '429',
      '503',
    ]);
  });

  it('GET /result/{task_id}', async () => {
    const path = '/result/{task_id}';
    const { app } = await service();
    const done = await upload(app, '?wait=5', await jpeg());
    check('get', path, await request(app).get(`/result/${done.body.task_id}`).set(bearer()));
    check('get', path, await request(app).get(`/result/${done.body.task_id}?wait=abc`).set(bearer()));
    check('get', path, await request(app).get(`/result/${done.body.task_id}`));
    check('get', path, await request(app).get(`/result/${done.body.task_id}`).set(bearer('bob')));
    const idle = await service({ worker: false });
    const queued = await upload(idle.app, '', await jpeg());
    check('get', path, await request(idle.app).get(`/result/${queued.body.task_id}`).set(bearer()));
    await idle.store.close();
    check('get', path, await request(idle.app).get(`/result/${queued.body.task_id}`).set(bearer()));
    expect([...(seen.get('getResult') ?? [])].sort()).toEqual(['200', '202', '400', '401', '404', '503']);
  });

  it('operations', async () => {
    const { app, store } = await service();
    for (const path of ['/healthz', '/readyz', '/openapi.json']) {
      check('get', path, await request(app).get(path));
    }
    await store.close();
    check('get', '/readyz', await request(app).get('/readyz'));
    expect([...(seen.get('getReadiness') ?? [])].sort()).toEqual(['200', '503']);
  });
});
