import { ERROR_CODES } from '@visionq/core';
import { VisionqApiError, errorFromResponse } from './errors.js';
import { abortable, parseRetryAfter } from './timing.js';

/**
 * Returns a Firebase ID token (or, in local mode, an emulator token). Called before every request, so a provider
 * like `() => auth.currentUser.getIdToken()` hands out a fresh token once the old one expires. After a 401 it is
 * called once more with `forceRefresh: true` and the request is retried with what it returns.
 */
export type TokenProvider = (context: { forceRefresh: boolean }) => string | Promise<string>;

export interface TransportSettings {
  readonly baseUrl: URL;
  readonly token: TokenProvider;
  readonly fetch: typeof globalThis.fetch;
  readonly language: string | undefined;
  readonly maxRetries: number;
  readonly maxRetryWaitSeconds: number;
}

export interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  /** Relative to the base URL, without a leading slash (so that a base path such as `/visionq/` is kept). */
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /**
   * Safe to send twice: a GET, a DELETE, or a POST with an Idempotency-Key. Only these are retried after network
   * errors.
   */
  idempotent: boolean;
  /** A public route (GET /model): sent without a token, so that it works before anyone signs in. */
  anonymous?: boolean;
  signal?: AbortSignal;
}

export interface Answer {
  status: number;
  body: unknown;
  retryAfterSeconds: number | undefined;
}

/** Seconds between retries after a network error, when the server gave no Retry-After. */
const BACKOFF_S = [1, 2, 4, 8];

/**
 * One API call: token, fetch, JSON. 429 and 503 are retried after the `Retry-After` they carry; a 401 once with a
 * refreshed token; a network error only when the call is idempotent. Any other non-2xx is a `VisionqApiError`.
 */
export async function send(settings: TransportSettings, call: Call): Promise<Answer> {
  const url = new URL(call.path, settings.baseUrl);
  let refreshed = false;
  for (let attempt = 0; ; attempt += 1) {
    call.signal?.throwIfAborted();
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(call.anonymous ? {} : { Authorization: `Bearer ${await token(settings, refreshed)}` }),
      ...(settings.language ? { 'Accept-Language': settings.language } : {}),
      ...call.headers,
    };
    const retry = async (seconds: number | undefined, error: VisionqApiError) => {
      const wait = seconds ?? BACKOFF_S[Math.min(attempt, BACKOFF_S.length - 1)] ?? 1;
      if (attempt >= settings.maxRetries || wait > settings.maxRetryWaitSeconds) throw error;
      await abortable(wait * 1000, call.signal);
    };

    let response: Response;
    try {
      response = await settings.fetch(url, {
        method: call.method,
        headers,
        ...(call.body ? { body: call.body } : {}),
        ...(call.signal ? { signal: call.signal } : {}),
      });
    } catch (cause) {
      if (call.signal?.aborted) throw call.signal.reason;
      const error = new VisionqApiError(ERROR_CODES.unavailable, `cannot reach ${url.origin}`, { cause });
      if (!call.idempotent) throw error;
      await retry(undefined, error);
      continue;
    }

    const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
    const body = await readBody(response, call.signal);
    if (response.ok) {
      if (response.status === 204) return { status: 204, body: undefined, retryAfterSeconds };
      if (body === undefined) {
        throw new VisionqApiError(ERROR_CODES.internal, `HTTP ${response.status} without a JSON body`, {
          status: response.status,
        });
      }
      return { status: response.status, body, retryAfterSeconds };
    }
    const error = errorFromResponse(response.status, body, retryAfterSeconds);
    if (response.status === 401 && !refreshed) {
      refreshed = true;
      attempt -= 1; // a refresh is not a retry
      continue;
    }
    if (response.status === 429 || response.status === 503) {
      await retry(retryAfterSeconds, error);
      continue;
    }
    throw error;
  }
}

async function token(settings: TransportSettings, forceRefresh: boolean): Promise<string> {
  let value: unknown;
  try {
    value = await settings.token({ forceRefresh });
  } catch (cause) {
    throw new VisionqApiError(ERROR_CODES.unauthorized, 'the token provider failed', { cause });
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new VisionqApiError(ERROR_CODES.unauthorized, 'the token provider returned no token');
  }
  return value.trim();
}

/** The JSON body, or `undefined` when there is none or it is not JSON (a proxy's HTML error page, say). */
async function readBody(response: Response, signal: AbortSignal | undefined): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    throw new VisionqApiError(ERROR_CODES.unavailable, 'the connection broke while reading the answer', {
      cause,
      status: response.status,
    });
  }
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
