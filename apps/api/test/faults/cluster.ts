import {
  ENTRY,
  freePort,
  startProcess,
  waitForOutput,
  waitUntilServing,
  type ServiceProcess,
} from '../e2e/processes.js';
import { broker, deleteKeys, type Broker } from './infra.js';

export interface Api {
  process: ServiceProcess;
  url: string;
}

/** A worker process, with where it serves its metrics. */
export interface Worker extends ServiceProcess {
  metricsUrl: string;
}

/** A 'task ended' log line of a worker. */
export interface Ended {
  worker: string;
  taskId: string;
  status: string;
  delivery: number;
}

/**
 * api and worker processes, as `pnpm start:api` / `pnpm start:worker` run them, on the real RabbitMQ and Redis
 * with a queue and a key prefix of their own. Every process ever started stays listed, so that the logs of
 * killed ones still count.
 */
export class Cluster {
  readonly apis: Api[] = [];
  readonly workers: Worker[] = [];
  readonly env: Record<string, string>;

  private constructor(
    readonly urls: { amqp: string; redis: string },
    readonly queue: string,
    readonly prefix: string,
    readonly broker: Broker,
    env: Record<string, string>,
  ) {
    this.env = {
      AMQP_URL: urls.amqp,
      REDIS_URL: urls.redis,
      AMQP_QUEUE: queue,
      REDIS_PREFIX: prefix,
      RATE_LIMIT_PER_MIN: '0',
      WORKER_PREFETCH: '16',
      WORKER_MAX_BATCH: '8',
      // Several workers share two cores: one inference thread each.
      INFERENCE_THREADS: '1',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...env,
    };
  }

  static create(
    name: string,
    urls: { amqp: string; redis: string },
    env: Record<string, string> = {},
  ): Cluster {
    const run = `faults-${name}-${process.pid}-${Date.now()}`;
    return new Cluster(urls, `visionq.${run}`, `visionq:${run}:`, broker(urls.amqp), env);
  }

  async startApi(env: Record<string, string> = {}): Promise<Api> {
    const port = env.PORT ?? String(await freePort());
    const url = `http://127.0.0.1:${port}`;
    const process = startProcess(`api-${this.apis.length + 1}`, ENTRY.api, {
      ...this.env,
      ...env,
      PORT: port,
    });
    await waitUntilServing(`${url}/readyz`, process, 60_000);
    const api = { process, url };
    this.apis.push(api);
    return api;
  }

  async startWorker(env: Record<string, string> = {}): Promise<Worker> {
    // Each its own metrics port: they share one host.
    const port = env.WORKER_METRICS_PORT ?? String(await freePort());
    const worker = {
      ...startProcess(`worker-${this.workers.length + 1}`, ENTRY.worker, {
        ...this.env,
        ...env,
        WORKER_METRICS_PORT: port,
      }),
      metricsUrl: `http://127.0.0.1:${port}/metrics`,
    };
    this.workers.push(worker);
    await waitForOutput(worker, 'worker started', 60_000);
    return worker;
  }

  /** APIs still running. */
  living(): Api[] {
    return this.apis.filter(({ process }) => alive(process));
  }

  /** Every 'task ended' line of every worker this cluster started. */
  ended(): Ended[] {
    return endedBy(this.workers);
  }

  /** SIGTERMs what still runs, expecting a clean exit, then removes the queues and keys. */
  async close(): Promise<(number | string)[]> {
    const running = [...this.apis.map((api) => api.process), ...this.workers].filter(alive);
    const codes = await Promise.all(running.map((process) => process.kill('SIGTERM')));
    await this.broker.deleteQueues(this.queue);
    await deleteKeys(this.urls.redis, this.prefix);
    return codes;
  }
}

/** Every 'task ended' line the given worker processes printed. */
export function endedBy(workers: readonly ServiceProcess[]): Ended[] {
  return workers.flatMap((worker) =>
    worker
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"task ended"'))
      .map((line) => {
        const entry = JSON.parse(line) as { task_id: string; status: string; delivery: number };
        return { worker: worker.name, taskId: entry.task_id, status: entry.status, delivery: entry.delivery };
      }),
  );
}

export function alive(process: ServiceProcess): boolean {
  return process.child.exitCode === null && process.child.signalCode === null;
}

/** Everything each process printed, for a failing test's message. */
export function outputs(cluster: Cluster, lines = 30): string {
  return [...cluster.apis.map((api) => api.process), ...cluster.workers]
    .map((p) => `--- ${p.name}\n${p.output().split('\n').slice(-lines).join('\n')}`)
    .join('\n');
}
