import { setTimeout as sleep } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import { isTransient, toVisionqError, type BackoffOptions } from '@visionq/core';

export interface RetryPolicy extends Required<BackoffOptions> {
  /** Gives up after this long, in milliseconds; the task then goes back to the queue. */
  readonly maxRetryTimeMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetryTimeMs: 30_000, initialDelayMs: 100, maxDelayMs: 2_000 };

/**
 * Retries `operation` while it fails transiently (`isTransient`: a store or broker outage, or an error nobody
 * foresaw), with capped exponential backoff and jitter. Permanent errors are thrown at once; either way the
 * error thrown is the operation's own, so that the queue applies the same rule to it.
 */
export async function retryTransient<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  // The first attempt runs on its own: p-retry draws its whole schedule of delays up front (hundreds, sorted) on
  // every call, which the common case, a write that succeeds, does not need.
  try {
    return await operation();
  } catch (error) {
    const thrown = error instanceof Error ? error : toVisionqError(error);
    if (!isTransient(thrown)) throw thrown;
  }
  // The same first pause as p-retry's (randomised between 1 and 2 times the initial delay), cut short by a stop.
  await sleep(policy.initialDelayMs * (1 + Math.random()), undefined, { signal }).catch(() => undefined);
  return pRetry(
    async () => {
      try {
        return await operation();
      } catch (error) {
        // p-retry only handles `Error`s; anything else thrown is typed (and stays transient).
        const thrown = error instanceof Error ? error : toVisionqError(error);
        throw isTransient(thrown) ? thrown : new AbortError(thrown);
      }
    },
    {
      // `maxRetryTime` is the real bound; the count only has to be large enough never to come first.
      retries: Math.min(1_000, Math.ceil(policy.maxRetryTimeMs / Math.max(1, policy.initialDelayMs))),
      maxRetryTime: policy.maxRetryTimeMs,
      minTimeout: policy.initialDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: true,
      signal,
    },
  );
}
