import { Agent, request, type IncomingMessage } from 'node:http';

/**
 * A `fetch` for `@visionq/client` on `node:http`, for the benchmark's users only. Node 20's own `fetch` (undici)
 * spends about 4.7 ms of CPU sending a 2.2 MB body, `node:http` 1.3 ms, and the users share the service's two
 * cores: with `fetch`, the load generator would take CPU the service needs. The requests are the client's own,
 * byte for byte. Enough of fetch for the client: http URLs, string or byte bodies, AbortSignal.
 */
export function createLeanFetch(): { fetch: typeof globalThis.fetch; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const leanFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init.headers);
    const parts = bodyParts(init.body);
    headers.set('content-length', String(parts.reduce((sum, part) => sum + part.byteLength, 0)));
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        {
          method: init.method ?? 'GET',
          agent,
          headers: Object.fromEntries(headers),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => void collect(res).then(resolve, reject),
      );
      req.on('error', reject);
      for (const part of parts) req.write(part);
      req.end();
    });
  };
  return { fetch: leanFetch as typeof globalThis.fetch, close: () => agent.destroy() };
}

function bodyParts(body: RequestInit['body']): Uint8Array[] {
  if (body === undefined || body === null) return [];
  if (typeof body === 'string') return [Buffer.from(body)];
  if (body instanceof Uint8Array) return [body];
  throw new TypeError(
    'lean fetch: only string or byte bodies (the client sends its multipart body as bytes)',
  );
}

async function collect(res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  const status = res.statusCode ?? 500;
  const nullBody = status === 204 || status === 304;
  return new Response(nullBody ? null : Buffer.concat(chunks), { status, headers });
}
