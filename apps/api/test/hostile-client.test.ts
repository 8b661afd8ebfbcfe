import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@visionq/core/testing';
import { createHttpServer } from '../src/server.js';
import { TOKENS, bearer, jpeg, testServices } from './support.js';

// What a hostile-client review of the running service found (docs/security.md, "Probes"), one test each.

const service = testServices();

const lines = (logs: string[]) => logs.flatMap((chunk) => chunk.split('\n').filter(Boolean));
const errorLines = (logs: string[]) =>
  lines(logs).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

describe('probes of a hostile client', () => {
  it('malformed percent-encoding in a task id → the 404 of an unknown id, and no error-level log', async () => {
    const { app, logs } = await service();
    const unknown = await request(app).get('/result/not-a-task').set(bearer());
    for (const path of ['/result/%zz', '/result/%E0%A4%A', '/result/%']) {
      const res = await request(app).get(path).set(bearer());
      expect([res.status, res.text]).toEqual([404, unknown.text]);
    }
    expect(errorLines(logs)).toEqual([]);
  });

  it('the Authorization scheme is case-insensitive (RFC 9110 §11.1, RFC 6750 §2.1)', async () => {
    const { app } = await service();
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const res = await request(app)
        .post('/predict')
        .set('Authorization', `${scheme} ${TOKENS.alice}`)
        .attach('image', await jpeg(), 'photo.jpg');
      expect(res.status).toBe(202);
    }
    // Another scheme is still refused.
    const basic = await request(app).get('/result/not-a-task').set('Authorization', `Basic ${TOKENS.alice}`);
    expect(basic.status).toBe(401);
  });

  it('query strings never reach the logs: a token sent as ?access_token= is not logged', async () => {
    const { app, logs } = await service();
    const secret = 'eyJhbGciOiJSUzI1NiJ9.leaked-query-token.c2ln';
    await request(app).get(`/result/not-a-task?access_token=${secret}&wait=0`).set(bearer());
    await request(app).get(`/result/not-a-task?access_token=${secret}`);
    const text = lines(logs).join('\n');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('access_token');
    // The path is still there, the query reduced to a mark that there was one.
    const urls = lines(logs).flatMap((line) => {
      const url = (JSON.parse(line) as { req?: { url?: string } }).req?.url;
      return url ? [url] : [];
    });
    expect(urls).toContain('/result/not-a-task?[redacted]');
  });

  it('error messages echo nothing the client sent: the 415 for a Content-Encoding names none', async () => {
    const { app } = await service();
    const probe = '<script>alert(1)</script>';
    const res = await request(app)
      .post('/predict')
      .set(bearer())
      .set('Content-Type', 'image/jpeg')
      .set('Content-Encoding', probe)
      .send(await jpeg());
    expect(res.status).toBe(415);
    expect(res.text).not.toContain('script');
    expect(res.body).toEqual({
      error: { code: 'unsupported_type', message: 'send the image without a Content-Encoding' },
    });
  });
});

// --- uploads on a real listening server, with raw sockets -----------------------------------------------------

const MB = 2 ** 20;

/** The app behind the server the API runs on (`createHttpServer`), on a free port. */
async function listening(app: Parameters<typeof createHttpServer>[0]) {
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return port;
}
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface RawUpload {
  socket: Socket;
  /** Everything the server sent so far. */
  received: () => string;
  /** Resolves once the server closed the connection. */
  closed: Promise<void>;
}

/** Sends the head of a raw image upload declaring `length` bytes, and `body` bytes of it (none by default). */
function rawUpload(
  port: number,
  length: number,
  headers: Record<string, string> = {},
  body = Buffer.alloc(0),
): RawUpload {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const head = Object.entries({
    Host: 'localhost',
    Authorization: `Bearer ${TOKENS.alice}`,
    'Content-Type': 'image/jpeg',
    'Content-Length': String(length),
    ...headers,
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST /predict HTTP/1.1\r\n${head}\r\n`);
  if (body.length > 0) socket.write(body);
  return { socket, received: () => text, closed };
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);

describe('the upload budget: bytes being received, in all and per uid', () => {
  it('a uid past its share gets 503 + Retry-After before its body is read; another uid still uploads', async () => {
    const { app } = await service({ uploadBudget: { totalBytes: 64 * MB, perUidBytes: 20 * MB } });
    const port = await listening(app);
    // Two stalled uploads of 9 MB: their headers are in, their bodies never come.
    const stalled = [rawUpload(port, 9 * MB), rawUpload(port, 9 * MB)];
    await eventually(
      () => stalled.every((s) => s.socket.bytesWritten > 0),
      5_000,
      'both stalled uploads sent',
    );
    const third = rawUpload(port, 9 * MB);
    await eventually(() => statusOf(third.received()) > 0, 5_000, 'an answer to the third');
    expect(statusOf(third.received())).toBe(503);
    expect(third.received()).toMatch(/\r\nRetry-After: \d+\r\n/i);
    expect(third.received()).toMatch(/\r\nConnection: close\r\n/i);
    await third.closed;
    // Bob has a share of his own.
    const bob = await request(app)
      .post('/predict')
      .set(bearer('bob'))
      .attach('image', await jpeg(), 'photo.jpg');
    expect(bob.status).toBe(202);
    // Once a stalled upload goes away, its share is free again.
    stalled[0]!.socket.destroy();
    await stalled[0]!.closed;
    await eventually(
      async () =>
        (
          await request(app)
            .post('/predict')
            .set(bearer())
            .attach('image', await jpeg(), 'p.jpg')
        ).status === 202,
      5_000,
      'alice uploads again',
    );
    stalled[1]!.socket.destroy();
  });

  it('past the total, everyone gets 503 + Retry-After', async () => {
    const { app } = await service({ uploadBudget: { totalBytes: 18 * MB, perUidBytes: 16 * MB } });
    const port = await listening(app);
    const alice = rawUpload(port, 9 * MB);
    const bob = rawUpload(port, 9 * MB, { Authorization: `Bearer ${TOKENS.bob}` });
    await eventually(() => alice.socket.bytesWritten > 0 && bob.socket.bytesWritten > 0, 5_000, 'sent');
    // Ordered after both stalled ones: the server reads requests in order of arrival on one event loop.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const res = await request(app)
      .post('/predict')
      .set(bearer('bob'))
      .attach('image', await jpeg(), 'photo.jpg');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    alice.socket.destroy();
    bob.socket.destroy();
  });
});

describe('refusals stop reading (F3)', () => {
  it('Content-Length: 100000000000 → 413 at once, the connection closed, a few MB drained at most', async () => {
    const { app } = await service();
    const port = await listening(app);
    const upload = rawUpload(port, 100_000_000_000);
    // Send as fast as the server takes it, until it closes the connection.
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    let closed = false;
    void upload.closed.then(() => (closed = true));
    while (!closed) {
      if (!upload.socket.write(chunk))
        await Promise.race([new Promise((resolve) => upload.socket.once('drain', resolve)), upload.closed]);
    }
    expect(statusOf(upload.received())).toBe(413);
    expect(upload.received()).toMatch(/\r\nConnection: close\r\n/i);
    // What the client managed to write, the kernels' socket buffers included.
    expect(upload.socket.bytesWritten).toBeLessThan(8 * MB);
    console.info(`drained after the 413: ${(upload.socket.bytesWritten / MB).toFixed(2)} MB`);
  });

  it('a 401 to a small upload that is sent in full: the body is read, the client gets its answer, not a reset', async () => {
    const { app } = await service();
    const port = await listening(app);
    const body = Buffer.alloc(200 * 1024, 0x5a);
    const upload = rawUpload(port, body.length, { Authorization: 'Bearer not-a-token' });
    await eventually(() => statusOf(upload.received()) > 0, 5_000, 'the 401');
    // Written after the answer came, as by a client that sends its whole body before it reads.
    await new Promise<void>((resolve, reject) =>
      upload.socket.write(body, (error) => (error ? reject(error) : resolve())),
    );
    upload.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await eventually(
      () => upload.received().includes('HTTP/1.1 200'),
      5_000,
      'the next answer on the connection',
    );
    expect(statusOf(upload.received())).toBe(401);
    expect(upload.received()).not.toMatch(/\r\nConnection: close\r\n/i);
    upload.socket.destroy();
    // Over a megabyte, a stranger's body is not read: the connection ends with the answer.
    const large = rawUpload(port, 2 * MB, { Authorization: 'Bearer not-a-token' });
    await large.closed;
    expect(statusOf(large.received())).toBe(401);
    expect(large.received()).toMatch(/\r\nConnection: close\r\n/i);
  });

  it('Expect: 100-continue is decided before 100 Continue: a refused upload never gets one', async () => {
    const { app } = await service();
    const port = await listening(app);
    const cases: [Record<string, string>, number][] = [
      [{ 'Content-Length': '100000000000' }, 413],
      [{ Authorization: 'Bearer not-a-token', 'Content-Length': '1000' }, 401],
    ];
    for (const [headers, status] of cases) {
      const upload = rawUpload(port, 0, { Expect: '100-continue', ...headers });
      await upload.closed;
      expect(upload.received()).not.toMatch(/100 Continue/);
      expect(statusOf(upload.received())).toBe(status);
    }
    // An upload that may go ahead gets its 100 Continue, sends its body, and is queued.
    const photo = await jpeg();
    const upload = rawUpload(port, photo.length, { Expect: '100-continue' });
    await eventually(() => upload.received().startsWith('HTTP/1.1 100 Continue'), 5_000, '100 Continue');
    upload.socket.write(photo);
    await eventually(() => upload.received().includes('HTTP/1.1 202'), 5_000, '202 after the body');
    upload.socket.destroy();
  });
});

describe('metrics are not public', () => {
  it('the public port has no /metrics: a caller cannot watch why their own token was refused', async () => {
    const { app, metrics } = await service();
    await request(app).get('/result/not-a-task').set('Authorization', 'Bearer not-a-token');
    expect((await request(app).get('/metrics')).status).toBe(404);
    // The reason is counted, for the operator's port.
    expect(await metrics.registry.getSingleMetricAsString('visionq_auth_failures_total')).toMatch(
      /reason="invalid"\} 1/,
    );
  });
});
