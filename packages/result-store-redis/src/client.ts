import { InvalidRequestError, type BackoffOptions } from '@visionq/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * A reconnect schedule for ioredis's `retryStrategy`: exponential from `initialDelayMs` (default 100), capped at
 * `maxDelayMs` (default 2000), with "equal jitter" (each delay is between half and all of its step) so that many
 * clients cut off by the same outage do not reconnect in lockstep. It never gives up: a store outlives any
 * outage of its server.
 */
export function reconnectBackoff(options: BackoffOptions = {}): (attempt: number) => number {
  const { initialDelayMs = 100, maxDelayMs = 2_000 } = options;
  if (!(initialDelayMs > 0) || !(maxDelayMs >= initialDelayMs))
    throw new InvalidRequestError(
      `backoff needs 0 < initialDelayMs <= maxDelayMs, got ${initialDelayMs} and ${maxDelayMs}`,
    );
  return (attempt) => {
    const step = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(step / 2 + (Math.random() * step) / 2);
  };
}

/**
 * The client options that make a store fail fast during an outage instead of queueing work in memory, and
 * reconnect by itself afterwards.
 */
export const FAIL_FAST_OPTIONS = {
  // Commands issued while disconnected reject at once instead of waiting, unbounded, in memory.
  enableOfflineQueue: false,
  // Commands already sent when the connection drops reject at once instead of being resent after the
  // reconnect: a resent write could apply twice, and its caller has long given up.
  maxRetriesPerRequest: 0,
  // A server that accepts the connection but does not answer (paused, overloaded, half-open TCP).
  commandTimeout: 2_000,
  connectTimeout: 3_000,
  retryStrategy: reconnectBackoff(),
} as const satisfies RedisOptions;

/**
 * Creates an ioredis client for `url` (`redis://` or `rediss://`) with `FAIL_FAST_OPTIONS`, which `options`
 * may override. The caller owns it: attach an `error` listener to log connection problems, and `quit()` it.
 */
export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new InvalidRequestError('redis url is not a URL', { cause });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new InvalidRequestError(
      `redis url must start with redis:// or rediss://, not ${parsed.protocol}//`,
    );
  return new Redis(url, { ...FAIL_FAST_OPTIONS, ...options });
}
