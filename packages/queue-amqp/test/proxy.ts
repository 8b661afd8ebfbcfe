import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy in front of RabbitMQ that one test controls, so that it can take the network away from its own
 * clients without touching the broker every other test uses.
 */
export interface TcpProxy {
  /** The broker URL, rewritten to go through the proxy. */
  readonly url: string;
  /** Drops every connection and refuses new ones, as when the broker goes away. */
  cut(): void;
  /** Keeps connections open but forwards nothing (and refuses new ones), as a network silently dropping. */
  stall(): void;
  /** Forwards again. */
  restore(): void;
  /** Connections open now. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function tcpProxy(brokerUrl: string): Promise<TcpProxy> {
  const target = new URL(brokerUrl);
  const targetPort = Number(target.port) || 5672;
  let mode: 'open' | 'cut' | 'stalled' = 'open';
  const pairs = new Set<[Socket, Socket]>();

  const server = createServer((client) => {
    if (mode !== 'open') {
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.hostname, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (mode === 'open') to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const url = new URL(brokerUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);

  const cut = () => {
    mode = 'cut';
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
  };
  return {
    url: url.toString(),
    cut,
    stall() {
      mode = 'stalled';
    },
    restore() {
      mode = 'open';
    },
    get connections() {
      return pairs.size;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
