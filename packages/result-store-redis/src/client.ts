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

/**
 * Creates an ioredis client that finds the primary through Redis Sentinel: `sentinels` are `host:port` pairs
 * (any number; one that answers is enough), `name` the primary's name in their configuration. On top of
 * `FAIL_FAST_OPTIONS` it reconnects at once when the sentinels announce a failover, and when a node answers
 * `READONLY` (it was the primary and has been demoted), so that writes follow the new primary. `options` are
 * ioredis options and override these: `password` and `tls` for the data nodes, `sentinelPassword` and
 * `sentinelTLS` (with `enableTLSForSentinelMode`) for the sentinels.
 */
export function createRedisSentinelClient(
  sentinels: readonly string[],
  name: string,
  options: RedisOptions = {},
): Redis {
  if (!Array.isArray(sentinels) || sentinels.length === 0)
    throw new InvalidRequestError('redis sentinels: give at least one host:port');
  if (typeof name !== 'string' || name === '')
    throw new InvalidRequestError("redis sentinel name: missing (the primary's name in sentinel.conf)");
  const addresses = sentinels.map((entry) => {
    const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(typeof entry === 'string' ? entry.trim() : '');
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535)
      throw new InvalidRequestError(`redis sentinel address must be host:port, not ${JSON.stringify(entry)}`);
    return { host: match[1] as string, port };
  });
  return new Redis({
    ...FAIL_FAST_OPTIONS,
    sentinels: addresses,
    name,
    failoverDetector: true,
    sentinelRetryStrategy: reconnectBackoff(),
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    ...options,
  });
}

/**
 * What a `redis://` or `rediss://` URL says about the data nodes behind Sentinel: user, password, database, and
 * TLS for `rediss:`. Its host and port are not used: Sentinel names the primary. For apps whose configuration
 * gives one URL whether or not Sentinel is used.
 */
export function sentinelDataOptions(url: string): RedisOptions {
  if (!URL.canParse(url)) throw new InvalidRequestError('redis url is not a URL');
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new InvalidRequestError(
      `redis url must start with redis:// or rediss://, not ${parsed.protocol}//`,
    );
  const db = Number(parsed.pathname.slice(1) || '0');
  return {
    ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    ...(Number.isSafeInteger(db) && db > 0 && { db }),
    ...(parsed.protocol === 'rediss:' && { tls: {} }),
  };
}
