import { spawn, type ChildProcess } from 'node:child_process';
import { repoPath } from '@visionq/service-kit';
export { freePort } from '@visionq/test-support/servers';

/** A service process started from its built entry point, as `pnpm start*` starts it. */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr, as it came. */
  output: () => string;
  /** Resolves with the exit code (or signal name) when it ends. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export const ENTRY = {
  allInOne: repoPath('apps/all-in-one/dist/main.js'),
  api: repoPath('apps/api/dist/main.js'),
  worker: repoPath('apps/worker/dist/main.js'),
};

/**
 * Starts `entry` with node. `launcher` runs it through another command first, e.g.
 * `['ip', 'netns', 'exec', 'vq-api']` to start it on a test host of scripts/cluster.sh.
 */
export function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  launcher: readonly string[] = [],
): ServiceProcess {
  const [command = process.execPath, ...args] = [...launcher, process.execPath, entry];
  const child = spawn(command, args, {
    cwd: repoPath('.'),
    // A clean environment: only what the test sets, so nothing from the developer's shell leaks in. Workers
    // and APIs serve no metrics unless asked: several of them on one host would all want the default port.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'info',
      WORKER_METRICS_PORT: '0',
      API_METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    name,
    child,
    output: () => output,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits until `url` answers 200, or fails with the process output when it exits or takes too long. */
export async function waitUntilServing(
  url: string,
  process: ServiceProcess,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void process.exited.then(() => (ended = true));
  while (Date.now() < deadline && !ended) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${process.name} did not serve ${url}:\n${process.output()}`);
}

/** Waits until the process has printed `text` (a log line), or fails with its output. */
export async function waitForOutput(
  process: ServiceProcess,
  text: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!process.output().includes(text)) {
    if (Date.now() > deadline || process.child.exitCode !== null) {
      throw new Error(`${process.name} never printed "${text}":\n${process.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
