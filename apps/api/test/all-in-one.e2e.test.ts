import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpSuite, SUITE_ENV } from './e2e/http-suite.js';
import { ENTRY, freePort, startProcess, waitUntilServing, type ServiceProcess } from './e2e/processes.js';

// The embedded default, as a newcomer starts it with `pnpm start`: nothing configured but the suite's limits.
describe('all-in-one process, embedded (in-memory queue and store, local auth, bundled model)', () => {
  let service: ServiceProcess;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = startProcess('all-in-one', ENTRY.allInOne, { PORT: String(port), ...SUITE_ENV });
    await waitUntilServing(`${url}/healthz`, service);
  }, 60_000);
  afterAll(async () => {
    expect(await service.kill('SIGTERM')).toBe(0);
  });

  httpSuite(() => url);

  it('logs a warning that local auth accepts unsigned tokens', () => {
    expect(service.output()).toMatch(/AUTH_MODE=local/);
  });
});
