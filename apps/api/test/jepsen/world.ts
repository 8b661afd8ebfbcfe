import { spawn, type ChildProcess } from 'node:child_process';
import { createRedisSentinelClient, whenRedisReady } from '@visionq/result-store-redis';
import type { ClusterWorld } from '@visionq/test-support/cluster';
import {
  ENTRY,
  startProcess,
  waitForOutput,
  waitUntilServing,
  type ServiceProcess,
} from '../e2e/processes.js';
import { endedBy, type Ended } from '../faults/cluster.js';
import { broker } from '../faults/infra.js';

/** The test hosts of scripts/cluster.sh that run the service, and the address each has on the bridge. */
export const HOSTS = { api: '10.77.0.10', worker1: '10.77.0.21', worker2: '10.77.0.22' } as const;
export type ServiceHost = keyof typeof HOSTS;

const API_PORT = 8080;

/**
 * The service on the multi-host world: one API on host `api` and a worker on each of `worker1` and `worker2`,
 * built entry points as `pnpm start:api` / `start:worker` run them, with every RabbitMQ node in `AMQP_URL` and
 * Redis through its Sentinels, a queue and a key prefix of their own. The API listens on loopback (local auth
 * insists); a socat on its host forwards the host's address to it, as a load balancer would.
 */
export class Service {
  readonly processes: ServiceProcess[] = [];
  readonly url = `http://${HOSTS.api}:${API_PORT}`;
  readonly queue: string;
  readonly prefix: string;
  readonly env: Record<string, string>;
  #forwarder: ChildProcess | undefined;

  constructor(
    readonly world: ClusterWorld,
    name: string,
  ) {
    const run = `jepsen-${name}-${process.pid}-${Date.now()}`;
    this.queue = `visionq.${run}`;
    this.prefix = `visionq:${run}:`;
    this.env = {
      AMQP_URL: world.amqpUrls.join(','),
      REDIS_SENTINELS: world.sentinels.join(','),
      REDIS_SENTINEL_NAME: world.sentinelName,
      AMQP_QUEUE: this.queue,
      REDIS_PREFIX: this.prefix,
      RATE_LIMIT_PER_MIN: '0',
      WORKER_PREFETCH: '16',
      WORKER_MAX_BATCH: '8',
      INFERENCE_THREADS: '1',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
  }

  /** Starts the API and both workers, and waits until the API is ready through its host's address. */
  async start(): Promise<this> {
    const api = this.#launch('api', ENTRY.api, { PORT: String(API_PORT) });
    const workers = (['worker1', 'worker2'] as const).map((host) => this.#launch(host, ENTRY.worker, {}));
    // The forwarder only once the API listens: a connection it accepts before then is closed in a way that
    // leaves a fetch waiting forever.
    await waitForOutput(api, '"msg":"listening"', 90_000);
    this.#forwarder = spawn(
      'ip',
      [
        ...['netns', 'exec', 'vq-api', 'socat'],
        `TCP-LISTEN:${API_PORT},bind=${HOSTS.api},fork,reuseaddr`,
        `TCP:127.0.0.1:${API_PORT}`,
      ],
      { stdio: 'ignore' },
    );
    await Promise.all([
      waitUntilServing(`${this.url}/readyz`, api, 90_000),
      ...workers.map((worker) => waitForOutput(worker, 'worker started', 90_000)),
    ]);
    return this;
  }

  #launch(host: ServiceHost, entry: string, env: Record<string, string>): ServiceProcess {
    const child = startProcess(host, entry, { ...this.env, ...env }, ['ip', 'netns', 'exec', `vq-${host}`]);
    this.processes.push(child);
    return child;
  }

  /** Every 'task ended' line of every worker. */
  ended(): Ended[] {
    return endedBy(this.processes.filter((p) => p.name.startsWith('worker')));
  }

  /** The last lines each process printed, for a failing check's message. */
  outputs(lines = 20): string {
    return this.processes
      .map((p) => `--- ${p.name}\n${p.output().split('\n').slice(-lines).join('\n')}`)
      .join('\n');
  }

  /** Reads every record under this service's prefix, through Sentinel. */
  async records(): Promise<Map<string, { status: string }>> {
    return withRedis(this.world, async (client) => {
      const records = new Map<string, { status: string }>();
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${this.prefix}task:*`, 'COUNT', 1000);
        cursor = next;
        const values = keys.length > 0 ? await client.mget(...keys) : [];
        values.forEach((value, i) => {
          if (value) records.set((keys[i] as string).slice(`${this.prefix}task:`.length), JSON.parse(value));
        });
      } while (cursor !== '0');
      return records;
    });
  }

  /** Messages ready on the task queue. */
  depth(): Promise<number> {
    return broker(this.world.amqpUrls[0] as string).depth(this.queue);
  }

  #closing: Promise<void> | undefined;

  /** Stops every process, then removes the queues and keys. Once, however often it is called. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGTERM')));
    this.#forwarder?.kill('SIGKILL');
    await broker(this.world.amqpUrls[0] as string)
      .deleteQueues(this.queue)
      .catch(() => undefined);
    await withRedis(this.world, async (client) => {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await client.del(...keys);
      } while (cursor !== '0');
    }).catch(() => undefined);
  }
}

async function withRedis<T>(
  world: ClusterWorld,
  use: (client: ReturnType<typeof createRedisSentinelClient>) => Promise<T>,
): Promise<T> {
  const client = createRedisSentinelClient(world.sentinels, world.sentinelName, { commandTimeout: 10_000 });
  client.on('error', () => undefined);
  try {
    await whenRedisReady(client);
    return await use(client);
  } finally {
    client.disconnect();
  }
}
