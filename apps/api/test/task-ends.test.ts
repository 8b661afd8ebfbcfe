import request from 'supertest';
import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { eventually, gate } from '@visionq/core/testing';
import { ErrorBodySchema, FailedBodySchema, PendingBodySchema } from '../src/http/schemas.js';
import { bearer, jpeg, noisyJpeg, testServices } from './support.js';

// Every task ends, the queue has a ceiling, and a user can take a task back: in the embedded (in-memory) mode.

const service = testServices();
const auth = bearer;

async function submit(app: Parameters<typeof request>[0], photo: Buffer) {
  return request(app).post('/predict').set(auth()).set('Content-Type', 'image/jpeg').send(photo);
}

/** Images the classifier was handed, counted per call. */
function countClassified(classifier: { classify: (images: readonly Uint8Array[]) => Promise<unknown> }) {
  const seen: number[] = [];
  const original = classifier.classify.bind(classifier);
  vi.spyOn(classifier, 'classify').mockImplementation(async (images) => {
    seen.push(images.length);
    return original(images) as never;
  });
  return () => seen.reduce((sum, n) => sum + n, 0);
}

describe('MAX_QUEUED_TASKS', () => {
  it('with no worker, exactly the ceiling is accepted, the rest 503 with Retry-After; a worker then ends all of them', async () => {
    const { app, queue, store, worker, metrics } = await service({ worker: false, maxQueued: 50 });
    const photo = await jpeg();
    const answers = await Promise.all(Array.from({ length: 70 }, () => submit(app, photo)));
    const accepted = answers.filter((res) => res.status === 202);
    const refused = answers.filter((res) => res.status === 503);
    expect(accepted).toHaveLength(50);
    expect(refused).toHaveLength(20);
    for (const res of refused) {
      expect(ErrorBodySchema.parse(res.body).error.code).toBe('queue_full');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Nothing half-accepted: one message and one record per 202, none for a 503.
    expect(await queue.depth()).toBe(50);
    const ids = accepted.map((res) => PendingBodySchema.parse(res.body).task_id);
    expect(new Set(ids).size).toBe(50);
    for (const id of ids) expect((await store.get(id))?.status).toBe('queued');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/visionq_api_queue_full_total\{by="api"\} 20/);
    expect((await request(app).get('/readyz')).status).toBe(200);

    await worker.start();
    const ended = await Promise.all(ids.map((id) => request(app).get(`/result/${id}?wait=20`).set(auth())));
    expect(ended.map((res) => res.body.status)).toEqual(ids.map(() => 'succeeded'));
    expect(await queue.depth()).toBe(0);
    // Room again, once the depth has been read again (every second).
    await eventually(async () => (await submit(app, photo)).status === 202, 5_000, 'room again');
  });

  it('a full queue answers before the upload is read: headers of a 10 MB body, and no body, get the 503', async () => {
    const server = await fullQueue();
    try {
      const status = await new Promise<{ status: number; retryAfter: string | undefined }>(
        (resolve, reject) => {
          const req = httpRequest({
            host: '127.0.0.1',
            port: server.port,
            method: 'POST',
            path: '/predict',
            headers: { ...auth(), 'Content-Type': 'image/jpeg', 'Content-Length': String(10 * 1024 * 1024) },
          });
          req.on('response', (res) => {
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
            res.resume();
            req.destroy();
          });
          req.on('error', reject);
          req.flushHeaders();
        },
      );
      expect(status.status).toBe(503);
      expect(Number(status.retryAfter)).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it('a client that sends its whole body before it reads gets the 503, not a broken pipe: the body is read and thrown away', async () => {
    const server = await fullQueue();
    try {
      // 4 MB, a phone photo's size: far more than the kernels' socket buffers hold, so the server must read it.
      const body = Buffer.alloc(4 * 1024 * 1024, 0xd8);
      const socket = connect(server.port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const head = [
        'POST /predict HTTP/1.1',
        'Host: localhost',
        `Authorization: ${auth().Authorization}`,
        'Content-Type: image/jpeg',
        `Content-Length: ${body.length}`,
      ].join('\r\n');
      await new Promise<void>((resolve, reject) => {
        socket.on('error', reject);
        socket.write(`${head}\r\n\r\n`);
        socket.write(body, (error) => (error ? reject(error) : resolve()));
      });
      await eventually(() => received.includes('\r\n\r\n'), 5_000, 'the answer');
      expect(received).toMatch(/^HTTP\/1\.1 503 /);
      expect(received).toMatch(/\r\nRetry-After: \d+\r\n/i);
      expect(received).not.toMatch(/\r\nConnection: close\r\n/i);
      socket.destroy();
    } finally {
      server.close();
    }
  });
});

/** The API with a full queue (a ceiling of 1, one task in it, no worker), listening on a free port. */
async function fullQueue(): Promise<{ port: number; close: () => void }> {
  const { app } = await service({ worker: false, maxQueued: 1 });
  expect((await submit(app, await jpeg())).status).toBe(202);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('DELETE /result/{task_id}', () => {
  it('a task taken back while queued is never classified; 204, then 404 for GET and DELETE', async () => {
    const { app, worker, classifier, store } = await service({ worker: false });
    const classified = countClassified(classifier);
    const kept = PendingBodySchema.parse((await submit(app, await noisyJpeg(60, 40))).body).task_id;
    const taken = PendingBodySchema.parse((await submit(app, await noisyJpeg(61, 40))).body).task_id;
    const res = await request(app).delete(`/result/${taken}`).set(auth());
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await request(app).get(`/result/${taken}`).set(auth())).status).toBe(404);
    expect((await request(app).delete(`/result/${taken}`).set(auth())).status).toBe(404);
    await worker.start();
    expect((await request(app).get(`/result/${kept}?wait=10`).set(auth())).body.status).toBe('succeeded');
    await eventually(async () => (await store.get(taken))?.status === 'cancelled', 2000, 'the tombstone');
    expect(classified()).toBe(1);
  });

  it('a task taken back while it is classified ends cancelled, not succeeded; its long-poll answers 404', async () => {
    const { app, classifier, store } = await service();
    const held = gate();
    const started = gate();
    const original = classifier.classify.bind(classifier);
    vi.spyOn(classifier, 'classify').mockImplementation(async (images) => {
      started.open();
      await held.promise;
      return original(images);
    });
    const id = PendingBodySchema.parse((await submit(app, await jpeg())).body).task_id;
    await started.promise;
    const polling = request(app).get(`/result/${id}?wait=10`).set(auth());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await request(app).delete(`/result/${id}`).set(auth())).status).toBe(204);
    held.open();
    expect((await polling).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.get(id)).toMatchObject({ status: 'cancelled' });
  });

  it('an ended task’s result is deleted at once; another uid’s or an unknown id is the same 404 as GET, byte for byte', async () => {
    const { app, store } = await service();
    const id = PendingBodySchema.parse((await submit(app, await jpeg())).body).task_id;
    expect((await request(app).get(`/result/${id}?wait=10`).set(auth())).body.status).toBe('succeeded');
    const theirs = await request(app).delete(`/result/${id}`).set(auth('bob'));
    const unknown = await request(app).delete(`/result/${crypto.randomUUID()}`).set(auth());
    const notUuid = await request(app).delete('/result/nope').set(auth());
    const get404 = await request(app).get(`/result/${crypto.randomUUID()}`).set(auth());
    for (const res of [theirs, unknown, notUuid]) {
      expect(res.status).toBe(404);
      expect(res.text).toBe(get404.text);
    }
    expect((await request(app).delete(`/result/${id}`)).status).toBe(401);
    expect((await request(app).delete(`/result/${id}`).set(auth())).status).toBe(204);
    expect(await store.get(id)).toBeUndefined();
    expect((await request(app).get(`/result/${id}`).set(auth())).status).toBe(404);
  });
});

describe('TASK_DEADLINE', () => {
  it('with no worker, the long-poll answers failed/deadline_exceeded at the deadline', async () => {
    const { app } = await service({ worker: false, taskDeadlineMs: 1_000 });
    const id = PendingBodySchema.parse((await submit(app, await jpeg())).body).task_id;
    const started = Date.now();
    const res = await request(app).get(`/result/${id}?wait=20`).set(auth());
    expect(res.status).toBe(200);
    expect(FailedBodySchema.parse(res.body).error.code).toBe('deadline_exceeded');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
