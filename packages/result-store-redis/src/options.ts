import { InvalidRequestError } from '@visionq/core';
import type { Redis } from 'ioredis';

export interface RedisResultStoreOptions {
  /**
   * The ioredis client to use. The caller owns it (opens, shares, quits it); the store only borrows it, and
   * duplicates it once for its own subscriber connection, which it closes in `close()`. `createRedisClient`
   * makes one with fail-fast options. Must not have ioredis's own `keyPrefix` set: use `keyPrefix` here.
   */
  client: Redis;
  /** Prefix of every key and channel the store uses. Default `visionq:`. */
  keyPrefix?: string;
  /** How long a finished record (and its idempotency claim) is kept, in milliseconds. Default 300000 (5 min). */
  resultTtlMs?: number;
  /** How long a queued or processing record (and its claim) is kept, in milliseconds. Default 3600000 (1 h). */
  pendingTtlMs?: number;
  /**
   * A task not ended this long after it was accepted (its record's `created_at`) ends `failed` with code
   * `deadline_exceeded`, enforced by whichever call reads it next (a `waitFor` wakes for it), so that it holds
   * with no worker running. In milliseconds; default none.
   */
  taskDeadlineMs?: number;
}

export interface NormalisedOptions {
  readonly client: Redis;
  readonly keyPrefix: string;
  readonly resultTtlMs: number;
  readonly pendingTtlMs: number;
  readonly taskDeadlineMs: number | undefined;
}

const DEFAULTS = {
  keyPrefix: 'visionq:',
  resultTtlMs: 300_000,
  pendingTtlMs: 3_600_000,
} satisfies Omit<NormalisedOptions, 'client' | 'taskDeadlineMs'>;

/** Checks the options once, up front, so that a misconfiguration fails at start-up with its name. */
export function normaliseOptions(options: RedisResultStoreOptions): NormalisedOptions {
  const { client, keyPrefix = DEFAULTS.keyPrefix } = options ?? {};
  const resultTtlMs = options?.resultTtlMs ?? DEFAULTS.resultTtlMs;
  const pendingTtlMs = options?.pendingTtlMs ?? DEFAULTS.pendingTtlMs;
  const taskDeadlineMs = options?.taskDeadlineMs;
  if (!client || typeof client !== 'object' || typeof client.duplicate !== 'function')
    throw new InvalidRequestError('createRedisResultStore: `client` (an ioredis client) is required');
  if (client.options?.keyPrefix)
    throw new InvalidRequestError(
      "createRedisResultStore: the client has ioredis's `keyPrefix` set; pass `keyPrefix` to the store instead",
    );
  if (typeof keyPrefix !== 'string')
    throw new InvalidRequestError('createRedisResultStore: `keyPrefix` must be a string');
  const durations = { resultTtlMs, pendingTtlMs, ...(taskDeadlineMs !== undefined && { taskDeadlineMs }) };
  for (const [name, value] of Object.entries(durations))
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new InvalidRequestError(`createRedisResultStore: \`${name}\` must be a positive integer (ms)`);
  return { client, keyPrefix, resultTtlMs, pendingTtlMs, taskDeadlineMs };
}
