import { connect, createServer } from 'node:net';

/**
 * Finds the RabbitMQ or Redis server a test needs (`AMQP_URL` / `REDIS_URL`, defaults on localhost). When it
 * does not answer, tests that need it are skipped with a printed reason, except under `CI=true`, where a
 * missing server is an error: CI must run them.
 */
export interface ServerProbe {
  url: string;
  available: boolean;
}

const DEFAULTS = {
  amqp: { variable: 'AMQP_URL', url: 'amqp://guest:guest@127.0.0.1:5672' },
  redis: { variable: 'REDIS_URL', url: 'redis://127.0.0.1:6379' },
} as const;

export async function probeServer(kind: keyof typeof DEFAULTS): Promise<ServerProbe> {
  const { variable, url: fallback } = DEFAULTS[kind];
  const url = process.env[variable] ?? fallback;
  const { hostname, port } = new URL(url);
  const available = await canConnect(hostname, Number(port) || (kind === 'amqp' ? 5672 : 6379));
  if (!available) {
    const reason = `${kind} is not reachable at ${hostname}:${port} (${variable}); start it with scripts/services.sh`;
    if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
    console.warn(`skipping tests that need ${kind}: ${reason}`);
  }
  return { url, available };
}

/** Whether a TCP connection to `host:port` opens within a second. */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port on 127.0.0.1 that nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
