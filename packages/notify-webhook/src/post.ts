import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { InvalidCallbackError } from '@visionq/core';

/** What one POST came to. `reason` names it for logs and metrics (`http_503`, `timeout`, `network`...). */
export type PostOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'transient'; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; status?: number };

export interface PostOptions {
  agents: { http: HttpAgent; https: HttpsAgent };
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborting it rejects with its reason: nothing was decided. */
  signal: AbortSignal;
}

/**
 * POSTs once and classifies the answer: 2xx delivered; 408, 429, 5xx, a timeout or a network error transient;
 * anything else permanent, 3xx included (a redirect is never followed: its target was never checked).
 */
export function post(url: URL, body: string, options: PostOptions): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'POST',
      agent: url.protocol === 'https:' ? options.agents.https : options.agents.http,
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(body)) },
      signal,
    });
    request.once('response', (response) => {
      // The answer's body says nothing we use; reading it lets the connection close cleanly.
      response.resume();
      response.once('error', () => undefined);
      resolve(classify(response.statusCode ?? 0, response.headers['retry-after']));
    });
    request.once('error', (error) => {
      if (options.signal.aborted) reject(options.signal.reason as Error);
      else if (timeout.aborted) resolve({ kind: 'transient', reason: 'timeout' });
      // The connect-time policy check refused the address: for good. A name that stopped resolving may be back.
      else if (error instanceof InvalidCallbackError)
        resolve({ kind: error.reason === 'unresolvable' ? 'transient' : 'permanent', reason: error.reason });
      else resolve({ kind: 'transient', reason: isTlsError(error) ? 'tls' : 'network' });
    });
    request.end(body);
  });
}

/** A certificate the receiver's name does not match, or no trusted CA signed: worth its own reason in metrics. */
function isTlsError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return /CERT|TLS|SSL|SIGNATURE/.test(code);
}

function classify(status: number, retryAfter: string | undefined): PostOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return {
      kind: 'transient',
      reason: `http_${status}`,
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  return { kind: 'permanent', reason: `http_${status}`, status };
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its day and month; Date.parse would also read "-5" as a year.
  const at = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
