import { InvalidRequestError } from '@visionq/core';
import type { TokenProvider, TransportSettings } from './transport.js';

export interface VisionqClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:8080` or `https://example.com/visionq/`. Required. */
  baseUrl: string | URL;
  /** Returns the ID token to send; called before every request. Required. */
  token: TokenProvider;
  /** Sent as `Accept-Language`: the language of the `display` names. Default: none (the API answers in English). */
  language?: string;
  /** Seconds each long-poll request asks the API to hold on (1–30). Default 20. */
  pollWaitSeconds?: number;
  /** Retries of one request after 429, 503 or (idempotent requests only) a network error. Default 2. */
  maxRetries?: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown at once. Default 60. */
  maxRetryWaitSeconds?: number;
  /**
   * Shrink photos before sending them, to the upload `GET /model` recommends (asked once): EXIF orientation
   * applied, resized, JPEG. In browsers with `createImageBitmap` and a canvas; in Node with sharp when it is
   * installed, else the bytes go as they are. Photos already small, or not decodable here, go as they are.
   * Default true.
   */
  shrink?: boolean;
  /** Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** The most a request may ask the API to wait (its `?wait` limit). */
export const MAX_WAIT_SECONDS = 30;

export interface ResolvedOptions extends TransportSettings {
  readonly pollWaitSeconds: number;
  readonly shrink: boolean;
}

export function resolveOptions(options: VisionqClientOptions): ResolvedOptions {
  let baseUrl: URL;
  try {
    baseUrl = new URL(String(options.baseUrl));
  } catch (cause) {
    throw new InvalidRequestError(`baseUrl is not an absolute URL: ${String(options.baseUrl)}`, { cause });
  }
  // Paths are resolved relative to the base, so it must end in a slash to keep a base path.
  if (!baseUrl.pathname.endsWith('/')) baseUrl.pathname += '/';
  if (typeof options.token !== 'function') throw new InvalidRequestError('token must be a function');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new InvalidRequestError('no fetch: pass options.fetch');
  return {
    baseUrl,
    token: options.token,
    // Called unbound: browsers throw "Illegal invocation" when window.fetch loses its `this`.
    fetch: (...args) => fetchImpl(...args),
    language: options.language,
    pollWaitSeconds: seconds('pollWaitSeconds', options.pollWaitSeconds ?? 20, 1, MAX_WAIT_SECONDS),
    shrink: options.shrink ?? true,
    maxRetries: count('maxRetries', options.maxRetries ?? 2),
    maxRetryWaitSeconds: seconds('maxRetryWaitSeconds', options.maxRetryWaitSeconds ?? 60, 0, 24 * 3600),
  };
}

export function seconds(name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new InvalidRequestError(`${name} must be a number of seconds from ${min} to ${max}`);
  }
  return value;
}

export function fraction(name: string, value: number): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidRequestError(`${name} must be a number from 0 to 1`);
  }
  return value;
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new InvalidRequestError(`${name} must be an integer ≥ 0`);
  return value;
}
