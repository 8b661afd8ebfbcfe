import { once } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { makeCertifiedKey } from '@visionq/test-support/google';

/**
 * An address of this host in a private range (10/8, 172.16/12, 192.168/16), for a webhook receiver that a
 * policy allowing private addresses, and only such a policy, lets a worker reach. Undefined when it has none.
 */
export function privateAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find(
      (entry) =>
        entry?.family === 'IPv4' && !entry.internal && ipaddr.parse(entry.address).range() === 'private',
    )?.address;
}

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  /** The receiver's certificate, for the notifier to trust. */
  ca: string;
  deliveries: Delivery[];
  /** Resolves once `count` requests came. */
  received(count: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

/**
 * An HTTPS webhook receiver named `host` (an address, or a name such as `localhost` served on loopback) that
 * answers each request with the next of `statuses`, then 200.
 */
export async function startWebhookReceiver(host: string, statuses: number[]): Promise<WebhookReceiver> {
  const { privateKey, certificatePem } = makeCertifiedKey('webhook receiver', [host]);
  const tls = { key: privateKey.export({ type: 'pkcs8', format: 'pem' }), cert: certificatePem };
  const deliveries: Delivery[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createHttpsServer(tls, async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const status = statuses.shift() ?? 200;
    deliveries.push({ headers: req.headers, body, status });
    res.writeHead(status).end();
    for (const waiter of waiters.filter((one) => deliveries.length >= one.count)) waiter.resolve();
  });
  server.listen(0, ipaddr.isValid(host) ? host : '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${host}:${port}/visionq/hook`,
    ca: tls.cert,
    deliveries,
    received: (count) =>
      new Promise((resolve) => {
        const done = () => resolve(deliveries.slice(0, count));
        if (deliveries.length >= count) done();
        else waiters.push({ count, resolve: done });
      }),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A TCP listener that only counts the connections it gets: where no callback may ever connect. */
export async function startTrap(
  host: string,
): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  server.listen(0, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    async close() {
      server.close();
      await once(server, 'close');
    },
  };
}
