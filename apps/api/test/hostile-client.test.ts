import request from 'supertest';
import { describe, expect, it } from 'vitest';
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
