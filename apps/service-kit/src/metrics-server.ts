import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What is served: a prom-client `Registry` fits. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  /** Stops listening and drops idle keep-alive connections (a scraper keeps one open). */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` from `registry` and nothing else, on a port of its own: never beside a public API. Port 0 picks a free port.
 * Rejects when it cannot listen (the port is taken, say), with the system's error as the cause.
 */
export async function serveMetrics(
  registry: MetricsSource,
  listen: { host: string; port: number },
): Promise<MetricsServer> {
  const server = createServer((req, res) => void answer(registry, req, res));
  // A scrape is one small GET: anything slower than this is a stuck client, not a scraper.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function answer(registry: MetricsSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== '/metrics') return send(res, 404, 'not found: metrics are at /metrics\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  try {
    const body = await registry.metrics();
    send(res, 200, body, registry.contentType);
  } catch {
    // Collectors catch their own failures; this is a bug, and its stack is nobody's business on the wire.
    send(res, 500, 'metrics could not be collected\n');
  }
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * `serveMetrics` for an app's configuration: a port that cannot be had is a start-up error naming the variable
 * that sets it. Port 0 (off) serves nothing.
 */
export async function serveConfiguredMetrics(
  registry: MetricsSource,
  where: { host: string; port: number; portVariable: string },
): Promise<MetricsServer | undefined> {
  if (where.port === 0) return undefined;
  try {
    return await serveMetrics(registry, where);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new Error(
      `cannot serve metrics on ${where.host}:${where.port}${typeof code === 'string' ? ` (${code})` : ''}: set ${where.portVariable} to a free port, or 0 to turn metrics off`,
      { cause },
    );
  }
}
