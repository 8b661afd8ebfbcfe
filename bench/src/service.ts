import { readFileSync } from 'node:fs';
import { cpuSecondsOf } from './brokers.js';
import { median } from './stats.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitForOutput,
  waitUntilServing,
  type ServiceProcess,
} from '../../apps/api/test/e2e/processes.js';
import { removeQueueTopology } from '@visionq/test-support/amqp';

export interface Service {
  mode: string;
  url: string;
  api: ServiceProcess;
  workers: ServiceProcess[];
  /** The RabbitMQ queue, in production mode. */
  queue?: string;
  stop(): Promise<void>;
}

/** What every benchmarked process runs with besides its settings: no rate limit (one user sends a lot). */
const BASE = { RATE_LIMIT_PER_MIN: '0', LOG_LEVEL: 'info' };

/** `pnpm start` with nothing configured: the embedded default, in-memory queue and store. */
export async function startAllInOne(settings: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = startProcess('all-in-one', ENTRY.allInOne, { ...BASE, ...settings, PORT: String(port) });
  await waitUntilServing(`${url}/readyz`, api, 60_000);
  return { mode: 'all-in-one', url, api, workers: [], stop: () => stopAll([api]) };
}

/** `pnpm start:api` and `pnpm start:worker` (×`workers`) on RabbitMQ and Redis, with a queue and prefix of their own. */
export async function startProduction(
  brokers: { amqp: string; redis: string },
  settings: Record<string, string> = {},
  workers = 1,
): Promise<Service> {
  const run = `bench-${process.pid}-${Date.now()}`;
  const env = {
    ...BASE,
    AMQP_URL: brokers.amqp,
    REDIS_URL: brokers.redis,
    AMQP_QUEUE: `visionq.${run}`,
    REDIS_PREFIX: `visionq:${run}:`,
    ...settings,
  };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = startProcess('api', ENTRY.api, { ...env, PORT: String(port) });
  const started = Array.from({ length: workers }, (_, i) =>
    startProcess(`worker-${i + 1}`, ENTRY.worker, env),
  );
  await waitUntilServing(`${url}/readyz`, api, 60_000);
  await Promise.all(started.map((worker) => waitForOutput(worker, 'worker started', 60_000)));
  return {
    mode: 'production',
    url,
    api,
    workers: started,
    queue: env.AMQP_QUEUE,
    stop: async () => {
      await stopAll([api, ...started]);
      await removeQueueTopology(brokers.amqp, env.AMQP_QUEUE);
    },
  };
}

async function stopAll(processes: ServiceProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
}

/** Resident set size of a process, in MiB, from /proc (Linux). */
export function rssMiB(process: ServiceProcess): number {
  const status = readFileSync(`/proc/${process.child.pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kib / 1024;
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc (Linux). */
export function cpuSeconds(process: ServiceProcess): number {
  return cpuSecondsOf(process.child.pid as number);
}

/**
 * Where the time goes, from the services' own logs: an upload until its 202 (the API's `responseTime` of each
 * POST), and a task from its delivery to its stored result (the worker's `duration_ms`). Medians, in ms.
 */
export function stages(service: Service): { upload: number; worker: number } {
  const entries = [service.api, ...service.workers].flatMap((p) =>
    p
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as {
            msg?: string;
            req?: { method?: string };
            responseTime?: number;
            duration_ms?: number;
          },
      ),
  );
  return {
    upload: median(
      entries
        .filter((e) => e.msg === 'request completed' && e.req?.method === 'POST')
        .map((e) => e.responseTime ?? 0),
    ),
    worker: median(entries.filter((e) => e.msg === 'task ended').map((e) => e.duration_ms ?? 0)),
  };
}
