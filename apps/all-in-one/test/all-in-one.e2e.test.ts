import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpSuite, SUITE_ENV, tokenFor } from '../../api/test/e2e/http-suite.js';
import { noisyJpeg } from '../../api/test/support.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitUntilServing,
  type ServiceProcess,
} from '../../api/test/e2e/processes.js';

// The embedded default, as a newcomer starts it with `pnpm start`: nothing configured but the suite's limits.
describe('all-in-one process, embedded (in-memory queue and store, local auth, bundled model)', () => {
  let service: ServiceProcess;
  let url = '';
  let metricsUrl = '';
  beforeAll(async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    url = `http://127.0.0.1:${port}`;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    service = startProcess('all-in-one', ENTRY.allInOne, {
      PORT: String(port),
      API_METRICS_PORT: String(metricsPort),
      ...SUITE_ENV,
    });
    await waitUntilServing(`${url}/healthz`, service);
  }, 60_000);
  afterAll(async () => {
    expect(await service.kill('SIGTERM')).toBe(0);
  });

  httpSuite(() => url);

  it('says where it serves, the try-it page and the API description, in one line', () => {
    expect(service.output()).toContain(
      `visionq is serving on ${url}: try it at ${url}/, API reference at ${url}/docs, OpenAPI at ${url}/openapi.json (Ctrl-C stops it)\n`,
    );
  });

  it('says which model it runs in its metrics, and every log line carries Cloud Logging’s severity', async () => {
    // On the internal metrics port, never the public one.
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toMatch(/^visionq_model_info\{name="traffic-signs",version="2"\} 1$/m);
    const lines = service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; severity?: string });
    expect(lines.length).toBeGreaterThan(0);
    const severity: Record<number, string> = { 30: 'INFO', 40: 'WARNING', 50: 'ERROR' };
    for (const line of lines) expect(line.severity).toBe(severity[line.level]);
  });

  it('logs a warning that local auth accepts unsigned tokens', () => {
    expect(service.output()).toMatch(/AUTH_MODE=local/);
  });

  it('logs carry task ids, never the token or the image bytes', async () => {
    const token = tokenFor('log-check');
    const image = await noisyJpeg(64, 64);
    const res = await fetch(`${url}/predict?wait=10`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/jpeg' },
      body: image,
    });
    const { task_id } = (await res.json()) as { task_id: string };
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logs = service.output();
    expect(logs).toContain(`"task_id":"${task_id}"`);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split('.')[1]);
    expect(logs).not.toContain(image.subarray(100, 140).toString('base64'));
    expect(logs).not.toContain(image.subarray(100, 140).toString('hex'));
  });
});
