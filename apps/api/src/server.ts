import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { ConfigError } from '@visionq/service-kit';
import { MAX_WAIT_SECONDS } from './http/wait.js';

export interface HttpServer {
  server: Server;
  /** `http://host:port`, as a person would type it. */
  url: string;
  /**
   * Stops accepting, lets in-flight requests finish for up to `timeoutMs`, then cuts what is left. Each answer
   * from now on ends its connection: a keep-alive connection would otherwise go on carrying new uploads in until
   * the cut (a task recorded but never queued).
   */
  close(timeoutMs: number): Promise<void>;
}

/** Listens; timeouts bound slow clients, so that a slow upload cannot hold a connection for long. */
export async function listen(app: Express, where: { host: string; port: number }): Promise<HttpServer> {
  // Node checks request and header timeouts only every `connectionsCheckingInterval` (30 s by default), which
  // would let a slow client hold a connection up to 30 s past them.
  const server = createServer({ connectionsCheckingInterval: 1_000 }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, where)));
    server.listen(where.port, where.host);
  });
  // Headers must arrive within 10 s; a whole request (a long-poll included) within the wait limit plus upload time.
  server.headersTimeout = 10_000;
  server.requestTimeout = (MAX_WAIT_SECONDS + 30) * 1000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}`,
    async close(timeoutMs) {
      server.on('request', (_req: IncomingMessage, res: ServerResponse) =>
        res.setHeader('Connection', 'close'),
      );
      const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      clearTimeout(force);
    },
  };
}

function listenError(error: NodeJS.ErrnoException, { host, port }: { host: string; port: number }): Error {
  if (error.code === 'EADDRINUSE') {
    return new ConfigError(
      `port ${port} on ${host} is already in use (another visionq?): stop it, or pick another port, e.g. PORT=${port === 8080 ? 8081 : port + 1} pnpm start`,
      { cause: error },
    );
  }
  if (error.code === 'EACCES') {
    return new ConfigError(`not allowed to listen on ${host}:${port}: pick a port above 1023 with PORT=`, {
      cause: error,
    });
  }
  return error;
}
