import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { canConnect } from './servers.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../scripts/cluster.sh', import.meta.url));

/**
 * The multi-host world of `scripts/cluster.sh` (three RabbitMQ nodes, Redis with a replica and Sentinels, on
 * test hosts made with network namespaces), as the topology and fault tests see it. Those tests run only in
 * `pnpm test:jepsen`, which brings the world up first; anywhere else they are skipped with a printed reason,
 * and under `CI=true` a world that does not answer is an error.
 */
export interface ClusterWorld {
  available: boolean;
  /** Every RabbitMQ node, plain AMQP. */
  amqpUrls: string[];
  /** One node's TLS listener. */
  amqpsUrl: string;
  /** Sentinels as `host:port`, and the name they know the primary by. */
  sentinels: string[];
  sentinelName: string;
  /** The first Redis node's TLS port. */
  redissUrl: string;
  /** The CA that signed every server certificate (made by `cluster.sh up`, never committed). */
  ca: () => Buffer;
  /** Runs `scripts/cluster.sh ARGS` and returns what it printed. */
  sh: (...args: string[]) => Promise<string>;
}

export async function clusterSh(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [script, ...args], { timeout: 300_000 });
  return stdout.trim();
}

export async function probeCluster(): Promise<ClusterWorld> {
  const env = new Map<string, string>();
  let available = false;
  if (process.env.VISIONQ_CLUSTER === '1') {
    for (const line of (await clusterSh('env').catch(() => '')).split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) env.set(line.slice(0, at), line.slice(at + 1));
    }
    const first = new URL((env.get('AMQP_URL') ?? 'amqp://10.77.0.31:5701').split(',')[0] as string);
    available = await canConnect(first.hostname, Number(first.port));
  }
  if (!available) {
    const reason =
      process.env.VISIONQ_CLUSTER === '1'
        ? 'the cluster does not answer: run `bash scripts/cluster.sh up` (as root)'
        : 'these run in `pnpm test:jepsen` only';
    if (process.env.CI === 'true' && process.env.VISIONQ_CLUSTER === '1')
      throw new Error(`CI=true and ${reason}`);
    console.warn(`skipping multi-host tests: ${reason}`);
  }
  return {
    available,
    amqpUrls: (env.get('AMQP_URL') ?? '').split(','),
    amqpsUrl: env.get('AMQPS_URL') ?? '',
    sentinels: (env.get('REDIS_SENTINELS') ?? '').split(','),
    sentinelName: env.get('REDIS_SENTINEL_NAME') ?? '',
    redissUrl: env.get('REDISS_URL') ?? '',
    ca: () => readFileSync(env.get('CLUSTER_CA') ?? ''),
    sh: clusterSh,
  };
}
