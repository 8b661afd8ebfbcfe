import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { MAX_WAIT_SECONDS } from './http/wait.js';

export interface ServeOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Longest SIGTERM waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number;
  /** Closes everything else (worker loop, queue, store, verifier), after the server stopped. */
  close: () => Promise<void>;
}

/**
 * Listens, and on SIGTERM or SIGINT stops accepting, lets in-flight requests finish (bounded), closes every
 * resource and exits 0. Timeouts bound slow clients: a slow upload cannot hold a connection for long.
 */
export async function serve(app: Express, options: ServeOptions): Promise<Server> {
  // Node checks request and header timeouts only every `connectionsCheckingInterval` (30 s by default), which
  // would let a slow client hold a connection up to 30 s past them.
  const server = createServer({ connectionsCheckingInterval: 1_000 }, app);
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // Headers must arrive within 10 s; a whole request (a long-poll included) within the wait limit plus upload time.
  server.headersTimeout = 10_000;
  server.requestTimeout = (MAX_WAIT_SECONDS + 30) * 1000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  const address = server.address();
  if (address && typeof address === 'object') {
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    options.logger.info({ address, url, docs: `${url}/docs` }, 'listening');
  } else options.logger.info({ address }, 'listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    options.logger.info({ signal }, 'shutting down');
    // close() stops new connections only: a keep-alive connection would go on carrying new uploads in until the
    // force-close below cuts them mid-way (a task recorded but never queued). Each answer now ends its connection.
    server.on('request', (_req: IncomingMessage, res: ServerResponse) =>
      res.setHeader('Connection', 'close'),
    );
    const force = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    clearTimeout(force);
    try {
      await options.close();
      options.logger.info('stopped');
      process.exit(0);
    } catch (error) {
      options.logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return server;
}
