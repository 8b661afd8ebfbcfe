import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEPLOY, ROOT } from './support.js';

// podman as this machine runs it: the settings come from deploy/containers.conf through the environment, as a
// user would set them once, so the commands below read like the ones in deploy/README.md.
export const CONTAINERS_CONF = join(DEPLOY, 'containers.conf');
export const podmanEnv = { ...process.env, CONTAINERS_CONF } as NodeJS.ProcessEnv;

/** The tags the README's build commands give, and the names the Kubernetes manifests use. */
export const IMAGES = {
  api: 'localhost/visionq-api:latest',
  worker: 'localhost/visionq-worker:latest',
  'all-in-one': 'localhost/visionq:latest',
};
/** RabbitMQ and Redis from Debian's packages (deploy/brokers), for compose and the played manifests. */
export const BROKERS = {
  rabbitmq: 'localhost/visionq-rabbitmq:debian',
  redis: 'localhost/visionq-redis:debian',
};

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking the event loop (the tests poll HTTP meanwhile). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string | Buffer } = {},
) {
  return new Promise<Ran>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: podmanEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** podman ARGS, failing with its output unless it exits 0; resolves with its stdout, trimmed. */
export async function podman(...args: string[]): Promise<string> {
  const result = await run('podman', args);
  if (result.code !== 0) {
    throw new Error(`podman ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout.trim();
}

export function podmanAvailable(): boolean {
  return spawnSync('podman', ['--version'], { env: podmanEnv }).status === 0;
}

/** A container's state as `podman inspect` reports it. */
export async function containerState(name: string) {
  const [state] = JSON.parse(await podman('inspect', '--type', 'container', name)) as {
    State: { Status: string; Running: boolean; ExitCode: number; StartedAt: string; FinishedAt: string };
  }[];
  return state!.State;
}

/** Resident memory of a running container, in MiB (its cgroup's, as `podman stats` reports it). */
export async function memoryMiB(name: string): Promise<number> {
  const out = await podman('stats', '--no-stream', '--no-reset', '--format', 'json', name);
  const [stats] = JSON.parse(out) as { mem_usage: string }[];
  // "123.4MB / 24.5GB": podman prints decimal units.
  const match = /^([\d.]+)([kMG]?B)/.exec(stats!.mem_usage.trim());
  if (!match) throw new Error(`unexpected podman stats: ${out}`);
  const factor = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[match[2] as 'B' | 'kB' | 'MB' | 'GB'];
  return (Number(match[1]) * factor) / 2 ** 20;
}

/** Polls until `check` resolves true, or fails after `timeoutMs` with `what` and the last error. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s${last ? `: ${String(last)}` : ''}`);
}

export async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return response.ok;
}
