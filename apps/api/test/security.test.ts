import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferPool } from '@visionq/core/buffer-pool';
import {
  InMemoryResultStore,
  InMemoryTaskQueue,
  QueueCeiling,
  type QueuedTask,
  type TokenVerifier,
} from '@visionq/core';
import { createEmulatorIdToken, createLocalTokenVerifier } from '@visionq/auth-firebase';
import { inspect } from '@visionq/image-preprocess';
import sharp from 'sharp';
import { createApp } from '../src/app.js';
import { ConfigError, assertSafeAuth, loadConfig } from '../src/config.js';
import { createUploadLimiter } from '../src/http/rate-limit.js';
import { createLogger } from '@visionq/service-kit';
import { createMetrics } from '../src/metrics.js';
import { listen } from '../src/server.js';
import { createVerifier } from '../src/verifier.js';
import { TOKENS, bearer, createTestService, jpeg, png, testServices, type TestService } from './support.js';

// The security review's tests (docs/security.md). What api.test.ts already covers (401s, 413, 415, the PNG
// bomb, owner 404s byte for byte, 429, log redaction of tokens and image bytes, no x-powered-by) is not repeated.

const service = testServices();
const auth = bearer;

/** The API around a given verifier (the real local or Firebase one), in-memory queue and store, logs kept. */
function appWith(verifier: TokenVerifier, tryPageToken?: () => string) {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const metrics = createMetrics();
  const queue = new InMemoryTaskQueue();
  const app = createApp({
    verifier,
    queue,
    ceiling: new QueueCeiling({ queue, maxQueued: 1000 }),
    store: new InMemoryResultStore({ resultTtlMs: 60_000, pendingTtlMs: 60_000 }),
    inspectImage: (bytes) => inspect(bytes, { maxPixels: 40_000_000 }),
    limitUploads: createUploadLimiter({ perMinute: 0 }),
    uploads: new BufferPool({ maxFreeBytes: 16 * 1024 * 1024 }),
    logger: createLogger('info', 'api', sink),
    metrics,
    settings: { maxUploadBytes: 1024 * 1024, tryPage: true, tryPageToken },
  });
  return { app, logs, metrics };
}

// --- image headers that lie about their size (decompression bombs) ------------------------------------------

async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const bytes = Buffer.from(await jpeg(16, 16));
  const sof = bytes.findIndex((byte, i) => byte === 0xff && bytes[i + 1] === 0xc0);
  bytes.writeUInt16BE(height, sof + 5);
  bytes.writeUInt16BE(width, sof + 7);
  return bytes;
}

async function gifClaiming(width: number, height: number): Promise<Buffer> {
  const bytes = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } })
      .gif()
      .toBuffer(),
  );
  bytes.writeUInt16LE(width, 6);
  bytes.writeUInt16LE(height, 8);
  const descriptor = bytes.indexOf(0x2c, 13);
  bytes.writeUInt16LE(width, descriptor + 5);
  bytes.writeUInt16LE(height, descriptor + 7);
  return bytes;
}

async function webpClaiming(width: number, height: number): Promise<Buffer> {
  const bytes = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#00a' } })
      .webp()
      .toBuffer(),
  );
  expect(bytes.toString('latin1', 12, 16)).toBe('VP8 ');
  bytes.writeUInt16LE(width & 0x3fff, 26);
  bytes.writeUInt16LE(height & 0x3fff, 28);
  return bytes;
}

async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const { crc32 } = await import('node:zlib');
  const bytes = Buffer.from(await png(1, 1));
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
  return bytes;
}

describe('uploads: limits and content sniffing', () => {
  it('the type queued is the sniffed one, whatever the upload declared', async () => {
    const published: QueuedTask[] = [];
    const queue = new InMemoryTaskQueue();
    const publish = queue.publish.bind(queue);
    queue.publish = async (task) => {
      published.push(task);
      await publish(task);
    };
    const { app } = await service({ queue, worker: false });
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .set('Content-Type', 'image/png')
      .send(await jpeg());
    expect(res.status).toBe(202);
    expect(published.map((task) => task.message.contentType)).toEqual(['image/jpeg']);
  });

  it('an SVG sent raw as image/svg+xml (script-capable) → 415', async () => {
    const { app } = await service();
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .set('Content-Type', 'image/svg+xml')
      .send(Buffer.from(svg));
    expect(res.status).toBe(415);
  });

  it('multipart abuse: an oversized text field, or too many parts → 400, nothing queued', async () => {
    const { app, broker } = await service();
    const image = await jpeg();
    const bigField = await request(app)
      .post('/predict')
      .set(auth())
      .field('note', 'x'.repeat(4097))
      .attach('image', image, 'a.jpg');
    expect(bigField.status).toBe(400);
    let many = request(app).post('/predict').set(auth());
    for (let i = 0; i < 25; i += 1) many = many.field(`f${i}`, 'x');
    expect((await many.attach('image', image, 'a.jpg')).status).toBe(400);
    expect(broker.depth('visionq.tasks')).toBe(0);
  });
});

describe('decompression bombs: headers are read, pixels are not', () => {
  it.each([
    ['JPEG 65 000 × 65 000', () => jpegClaiming(65_000, 65_000)],
    ['GIF 65 535 × 65 535', () => gifClaiming(65_535, 65_535)],
    ['WebP 16 383 × 16 383', () => webpClaiming(16_383, 16_383)],
  ])('%s → 422 naming the pixel limit; nothing queued', async (_name, make) => {
    const { app, broker } = await service({ worker: false });
    const res = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', await make(), 'bomb');
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/pixel/i);
    expect(broker.depth('visionq.tasks')).toBe(0);
  });

  it('the limit is exact: 8000 × 5000 (40 MP) is queued, 8000 × 5001 is refused', async () => {
    const { app, broker } = await service({ worker: false });
    const at = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', await pngClaiming(8000, 5000), 'a.png');
    const over = await request(app)
      .post('/predict')
      .set(auth())
      .attach('image', await pngClaiming(8000, 5001), 'b.png');
    expect([at.status, over.status]).toEqual([202, 422]);
    expect(broker.depth('visionq.tasks')).toBe(1);
  });
});

describe('authentication failure modes (the real verifiers)', () => {
  const projectId = 'demo-visionq';
  const token = (overrides: Partial<Parameters<typeof createEmulatorIdToken>[0]>) =>
    createEmulatorIdToken({ uid: 'alice', projectId, ...overrides });
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('expired, wrong project, issued in the future, no subject, signed-looking, garbage → the same 401', async () => {
    const verifier = createLocalTokenVerifier({ projectId });
    const { app, logs, metrics } = appWith(verifier);
    const now = Date.now();
    const cases = {
      expired: token({ now: now - 2 * 3600_000 }),
      wrong_audience: token({ projectId: 'someone-elses-project' }),
      not_yet_valid: token({ now: now + 3600_000 }),
      no_subject: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: projectId, iss: `https://securetoken.google.com/${projectId}`, iat: now / 1000, exp: now / 1000 + 60, auth_time: now / 1000 })}.`,
      signed: `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ sub: 'alice' })}.c2ln`,
      garbage: 'a.b.c',
    };
    const bodies = new Set<string>();
    for (const [name, bad] of Object.entries(cases)) {
      const res = await request(app)
        .get('/result/5d1b4c0e-7a0c-4a4e-9d8e-2b7f2c1e9a11')
        .set('Authorization', `Bearer ${bad}`);
      expect(res.status, name).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      bodies.add(res.text);
    }
    // One body for every failure: the reason is for the operator (metrics, logs), never for the caller.
    expect([...bodies]).toEqual(['{"error":{"code":"unauthorized","message":"unauthorized"}}']);
    const counted = (await metrics.registry.getSingleMetricAsString('visionq_auth_failures_total')).split(
      '\n',
    );
    for (const reason of ['expired', 'wrong_audience', 'not_yet_valid', 'no_subject', 'malformed']) {
      expect(
        counted.some((line) => line.includes(`reason="${reason}"`)),
        reason,
      ).toBe(true);
    }
    const text = logs.join('');
    for (const bad of Object.values(cases)) expect(text).not.toContain(bad.slice(0, 40));
    expect(
      (
        await request(app)
          .get('/result/5d1b4c0e-7a0c-4a4e-9d8e-2b7f2c1e9a11')
          .set('Authorization', `Bearer ${token({})}`)
      ).status,
    ).toBe(404);
  });

  it('a token in the query string or a cookie is not a credential', async () => {
    const { app } = appWith(createLocalTokenVerifier({ projectId }));
    const good = token({});
    expect(
      (await request(app).get(`/result/5d1b4c0e-7a0c-4a4e-9d8e-2b7f2c1e9a11?access_token=${good}`)).status,
    ).toBe(401);
    expect(
      (await request(app).get('/result/5d1b4c0e-7a0c-4a4e-9d8e-2b7f2c1e9a11').set('Cookie', `token=${good}`))
        .status,
    ).toBe(401);
  });

  it('AUTH_MODE=firebase refuses unsigned (emulator) tokens even with FIREBASE_AUTH_EMULATOR_HOST set', async () => {
    const saved = process.env.FIREBASE_AUTH_EMULATOR_HOST;
    process.env.FIREBASE_AUTH_EMULATOR_HOST = '127.0.0.1:9';
    try {
      // The configuration refuses the pair (config.test.ts); firebase-admin reads the variable on its own.
      const config = loadConfig({ AUTH_MODE: 'firebase', FIREBASE_PROJECT_ID: projectId });
      const verifier = createVerifier(config, createLogger('silent', 'api'));
      const { app, metrics } = appWith(verifier);
      const res = await request(app)
        .post('/predict')
        .set('Authorization', `Bearer ${token({})}`)
        .attach('image', await jpeg(), 'a.jpg');
      expect(res.status).toBe(401);
      expect(await metrics.registry.getSingleMetricAsString('visionq_auth_failures_total')).toContain(
        'reason="unsigned"',
      );
      await verifier.close();
    } finally {
      if (saved === undefined) delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
      else process.env.FIREBASE_AUTH_EMULATOR_HOST = saved;
    }
  });

  it('AUTH_MODE=local refuses to listen anywhere but loopback', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5']) {
      expect(() => assertSafeAuth(loadConfig({ AUTH_MODE: 'local', HOST: host }))).toThrow(ConfigError);
    }
    expect(() => assertSafeAuth(loadConfig({ AUTH_MODE: 'local', HOST: '127.0.0.1' }))).not.toThrow();
  });
});

describe('owner isolation and existence', () => {
  it("a long-poll on someone else's pending task answers 404 at once, as for an unknown id (no timing leak)", async () => {
    const { app } = await service({ worker: false });
    const { body } = await request(app)
      .post('/predict')
      .set(auth('alice'))
      .attach('image', await jpeg(), 'a.jpg');
    const started = performance.now();
    const theirs = await request(app).get(`/result/${body.task_id}?wait=5`).set(auth('bob'));
    expect(theirs.status).toBe(404);
    // Holding the request for the wait would tell bob that the task exists and is pending.
    expect(performance.now() - started).toBeLessThan(2_000);
    const mine = request(app).get(`/result/${body.task_id}?wait=1`).set(auth('alice'));
    expect((await mine).status).toBe(202);
  });
});

describe('rate limits', () => {
  it('refused uploads count too, so junk cannot be sent without limit', async () => {
    const { app } = await service({ rateLimitPerMin: 3, worker: false });
    for (let i = 0; i < 3; i += 1) {
      const res = await request(app)
        .post('/predict')
        .set(auth())
        .attach('image', Buffer.from('not an image'), 'x.jpg');
      expect(res.status).toBe(415);
    }
    expect(
      (
        await request(app)
          .post('/predict')
          .set(auth())
          .attach('image', await jpeg(), 'a.jpg')
      ).status,
    ).toBe(429);
  });
});

describe('logs and secrets', () => {
  it('an X-Request-Id that could forge log lines or headers is replaced', async () => {
    const { app, logs } = await service();
    const res = await request(app).get('/healthz').set('X-Request-Id', 'abc"}\t{"level":60,"msg":"forged');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.join('')).not.toContain('forged');
    const kept = await request(app).get('/healthz').set('X-Request-Id', 'client-123');
    expect(kept.headers['x-request-id']).toBe('client-123');
  });

  it('cookies are not logged', async () => {
    const { app, logs } = await service();
    await request(app).get('/healthz').set('Cookie', 'session=very-secret-cookie');
    expect(logs.join('')).not.toContain('very-secret-cookie');
  });

  /** The message loadConfig fails with, or '' when it does not. */
  function configFailure(env: Record<string, string>): Error | undefined {
    try {
      loadConfig(env);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  it('configuration errors name the variable, never its value (URLs carry passwords)', () => {
    const attempts: Record<string, string>[] = [
      { AMQP_URL: 'http://visionq:s3cret-pw@rabbit:5672' },
      { REDIS_URL: 'ftp://:s3cret-pw@redis:6379' },
      { AUTH_MODE: 'firebase', GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' },
    ];
    for (const env of attempts) {
      const error = configFailure(env);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.message).toMatch(/^invalid configuration: [A-Z_]+:/);
      expect(JSON.stringify({ message: error?.message, ...error })).not.toContain('s3cret-pw');
    }
  });

  // Found by this review (docs/security.md, F1) and fixed: `new URL()` on such a value threw a TypeError naming
  // no variable and carrying the whole value, password included.
  it('a URL that does not parse at all is reported like any other bad value', () => {
    const error = configFailure({ REDIS_URL: 'redis//:s3cret-pw@redis' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(JSON.stringify({ message: error?.message, ...error })).not.toContain('s3cret-pw');
  });

  it('the try-it page hands out a token only in local mode, never cached', async () => {
    const firebase = appWith(createLocalTokenVerifier({ projectId: 'demo-visionq' }));
    const res = await request(firebase.app).get('/try/config.json');
    expect(res.body).toEqual({ authMode: 'firebase' });
    const local = appWith(createLocalTokenVerifier({ projectId: 'demo-visionq' }), () => 'local-token');
    const given = await request(local.app).get('/try/config.json');
    expect(given.body).toEqual({ authMode: 'local', token: 'local-token' });
    expect(given.headers['cache-control']).toBe('no-store');
  });
});

describe('HTTP hardening', () => {
  const HELMET = {
    'content-security-policy': expect.stringContaining("default-src 'self'"),
    'strict-transport-security': expect.stringContaining('max-age='),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-dns-prefetch-control': 'off',
  };

  it('security headers and no x-powered-by on every kind of answer (page, 202, 401, 404, 413)', async () => {
    const { app } = await service({ maxUploadBytes: 1000, worker: false });
    const answers = [
      await request(app).get('/'),
      await request(app)
        .post('/predict')
        .set(auth())
        .attach('image', await png(8, 8), 'a.png'),
      await request(app)
        .post('/predict')
        .attach('image', await png(8, 8), 'a.png'),
      await request(app).get('/nowhere'),
      await request(app)
        .post('/predict')
        .set(auth())
        .set('Content-Type', 'image/jpeg')
        .send(Buffer.alloc(5000, 1)),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 202, 401, 404, 413]);
    for (const res of answers) {
      expect(res.headers).toMatchObject(HELMET);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('no CORS: another origin gets no Access-Control-Allow-Origin, preflight or not', async () => {
    const { app } = await service();
    const preflight = await request(app)
      .options('/predict')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    const simple = await request(app).get('/healthz').set('Origin', 'https://evil.example');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('the static try-it page cannot be walked out of', async () => {
    const { app } = await service();
    for (const path of [
      '/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e%2f%2e%2e%2fsrc/config.ts',
    ]) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain('"dependencies"');
    }
  });
});

describe('HTTP hardening on a real listening server (as server.ts starts it)', () => {
  let server: Server;
  let port: number;
  let own: TestService | undefined;
  const LIMIT = 1000;
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await own?.close();
  });

  async function start() {
    if (server) return;
    // Not through service(): the server outlives each test, so its service must too.
    own = await createTestService({ worker: false, maxUploadBytes: LIMIT });
    const { app } = own;
    server = (await listen(app, { host: '127.0.0.1', port: 0 })).server;
    port = (server.address() as AddressInfo).port;
  }

  /**
   * Opens a raw connection, writes `head`, then one byte of `drip` every `everyMs`; resolves with what came back
   * once the server closes the connection (or, with `untilResponse`, once a whole response head has arrived).
   */
  function rawRequest(head: string, drip = '', everyMs = 1000, untilResponse = false) {
    return new Promise<{ response: string; closedAfterMs: number }>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      const started = performance.now();
      let response = '';
      let timer: NodeJS.Timeout | undefined;
      socket.on('data', (chunk) => {
        response += chunk.toString('latin1');
        if (untilResponse && response.includes('\r\n\r\n')) socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ response, closedAfterMs: performance.now() - started });
      });
      socket.once('connect', () => {
        socket.write(head);
        let i = 0;
        if (drip)
          timer = setInterval(
            () => !socket.destroyed && socket.write(drip[i++ % drip.length] as string),
            everyMs,
          );
      });
      setTimeout(() => reject(new Error('the server never closed the connection')), 110_000).unref();
    });
  }

  it('headers over 16 KiB → 431, and the connection is closed', async () => {
    await start();
    const { response } = await rawRequest(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('slowloris: headers that never end, an upload that trickles, and a body far over its limit are all cut off', async () => {
    await start();
    const post = (type: string, length: number) =>
      `POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.alice}\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;
    const part = `--b0undary\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
    const [headers, body, overLimit] = await Promise.all([
      rawRequest('GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-a: b\r\n'.repeat(1000), 500),
      rawRequest(post('image/jpeg', LIMIT - 100), '\xff', 500),
      // Over the limit, claiming a gigabyte: answered 413 before reading, and the connection closed (F3).
      rawRequest(
        post('multipart/form-data; boundary=b0undary', 2 ** 30) + part + '\xff'.repeat(4 * LIMIT),
        '\xff',
        500,
      ),
    ]);
    // headersTimeout (10 s) and requestTimeout (60 s), enforced at Node's connection check (every 30 s).
    expect(headers.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(headers.closedAfterMs).toBeGreaterThanOrEqual(10_000);
    expect(headers.closedAfterMs).toBeLessThan(15_000);
    expect(body.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(overLimit.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(overLimit.response).toMatch(/\r\nConnection: close\r\n/i);
    expect(overLimit.closedAfterMs).toBeLessThan(10_000);
    expect(body.closedAfterMs).toBeGreaterThanOrEqual(60_000);
    expect(body.closedAfterMs).toBeLessThan(70_000);
  }, 120_000);
});
