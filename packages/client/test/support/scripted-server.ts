import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
  at: number;
}

export type Step = (res: ServerResponse, req: IncomingMessage) => void;

/**
 * An HTTP server that answers with the next scripted step and records what it was sent: for the answers the
 * real API gives only when something is down (503), or on its own schedule (202 after a long-poll).
 */
export async function scriptedServer(steps: Step[]) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyBytes,
        at: Date.now(),
      });
      const step = steps.shift();
      if (step) step(res, req);
      else json(500, { error: { code: 'internal', message: 'script ran out' } })(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Step {
  return (res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** Never answers: a long-poll that is still waiting. */
export const hang: Step = () => undefined;

/** Drops the connection without an answer. */
export const reset: Step = (_res, req) => req.socket.destroy();
