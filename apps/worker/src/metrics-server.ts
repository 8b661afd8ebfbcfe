import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  /** Stops listening and drops idle keep-alive connections (a scraper keeps one open). */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` from `registry` and nothing else: a worker has no other HTTP. Port 0 picks a free port.
 * Rejects when it cannot listen (the port is taken, say), with the system's error as the cause.
 */
export async function serveMetrics(
  registry: Registry,
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

async function answer(registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
