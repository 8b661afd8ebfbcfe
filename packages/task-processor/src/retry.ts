import pRetry, { AbortError } from 'p-retry';
import { toVisionqError } from '@visionq/core';

export interface RetryPolicy {
  /** Gives up after this long, in milliseconds; the task then goes back to the queue. */
  maxRetryTimeMs: number;
  /** First wait, in milliseconds; doubles each time, with jitter, up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetryTimeMs: 30_000, minDelayMs: 100, maxDelayMs: 2_000 };

/**
 * Retries `operation` while it fails transiently (a store or broker outage), with capped exponential backoff
 * and jitter. Permanent errors are thrown at once.
 */
export function retryTransient<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await operation();
      } catch (error) {
        const typed = toVisionqError(error);
        throw typed.transient ? typed : new AbortError(typed);
      }
    },
    {
      // `maxRetryTime` is the real bound; the count only has to be large enough never to come first.
      retries: Math.min(1_000, Math.ceil(policy.maxRetryTimeMs / policy.minDelayMs)),
      maxRetryTime: policy.maxRetryTimeMs,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      randomize: true,
      signal,
    },
  );
}
