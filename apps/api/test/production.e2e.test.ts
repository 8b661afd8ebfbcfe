import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeQueueTopology } from '@visionq/test-support/amqp';
import { probeServer } from '@visionq/test-support/servers';
import { repoPath } from '@visionq/service-kit';
import { httpSuite, SUITE_ENV, tokenFor } from './e2e/http-suite.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitForOutput,
  waitUntilServing,
  type ServiceProcess,
} from './e2e/processes.js';

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const STOP = readFileSync(repoPath('models/traffic-signs/samples/stop.jpg'));

// Production mode: the API and the worker as separate processes, on the real RabbitMQ and Redis, each test run
// on its own queue and key prefix.
describe.skipIf(!amqp.available || !redis.available)(
  'production mode: api + worker processes, RabbitMQ, Redis',
  () => {
    const run = `e2e-${process.pid}-${Date.now()}`;
    const shared = {
      AMQP_URL: amqp.url,
      REDIS_URL: redis.url,
      AMQP_QUEUE: `visionq.${run}`,
      REDIS_PREFIX: `visionq:${run}:`,
      WORKER_MAX_BATCH: '8',
      WORKER_PREFETCH: '16',
    };
    let api: ServiceProcess;
    const workers: ServiceProcess[] = [];
    let url = '';
    const startWorker = async () => {
      const worker = startProcess(`worker-${workers.length + 1}`, ENTRY.worker, shared);
      workers.push(worker);
      await waitForOutput(worker, 'worker started');
      return worker;
    };

    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      api = startProcess('api', ENTRY.api, { ...shared, ...SUITE_ENV, PORT: String(port) });
      await waitUntilServing(`${url}/healthz`, api);
      await startWorker();
    }, 90_000);

    afterAll(async () => {
      const codes = await Promise.all([api, ...workers].map((child) => child.kill('SIGTERM')));
      await removeQueueTopology(amqp.url, shared.AMQP_QUEUE);
      expect(codes.filter((code) => code !== 'SIGKILL')).toEqual(
        codes.filter((code) => code !== 'SIGKILL').map(() => 0),
      );
    }, 60_000);

    httpSuite(() => url);

    it('SIGKILL of the worker while it holds a batch: every task still ends succeeded after a restart', async () => {
      // Four users (the suite's rate limit is 20 uploads a minute per uid) sending four times the prefetch: when
      // the victim's first task ends it still holds a full prefetch of unacknowledged ones (with only one
      // prefetch's worth, a fast worker could finish them all before the kill lands).
      const auths = [0, 1, 2, 3].map((n) => ({
        Authorization: `Bearer ${tokenFor(`kill-${process.pid}-${n}`)}`,
      }));
      const submit = async (auth: Record<string, string>) => {
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'image/jpeg' },
          body: STOP,
        });
        expect(res.status).toBe(202);
        return { auth, id: ((await res.json()) as { task_id: string }).task_id };
      };
      const victim = workers.at(-1) as ServiceProcess;
      const ids = await Promise.all(Array.from({ length: 64 }, (_, i) => submit(auths[i % 4]!)));
      // Kill it the moment it has started on them: its prefetched, unacknowledged batch must be redelivered.
      await waitForOutput(victim, '"msg":"task ended"', 30_000).catch(() => undefined);
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      const successor = await startWorker();
      const results = await Promise.all(
        ids.map(async ({ auth, id }) => {
          const res = await fetch(`${url}/result/${id}?wait=30`, { headers: auth });
          return ((await res.json()) as { status: string }).status;
        }),
      );
      expect(results).toEqual(ids.map(() => 'succeeded'));
      // The batch the victim held really was redelivered to its successor.
      expect(successor.output()).toContain('"delivery":2');
    }, 120_000);

    it('the API refuses to start without AMQP_URL and REDIS_URL, naming them', async () => {
      const bare = startProcess('api-bare', ENTRY.api, { PORT: String(await freePort()) });
      expect(await bare.exited).toBe(1);
      expect(bare.output()).toMatch(/AMQP_URL, REDIS_URL: required/);
      const worker = startProcess('worker-bare', ENTRY.worker, { AMQP_URL: amqp.url });
      expect(await worker.exited).toBe(1);
      expect(worker.output()).toMatch(/REDIS_URL: required/);
    });
  },
);
