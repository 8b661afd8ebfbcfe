import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { RateLimitedError } from '@visionq/core';

export interface RateLimitOptions {
  /** Uploads per uid per minute; 0 turns the limit off. */
  perMinute: number;
  /** Shared counters across API instances; in memory when absent. */
  redis?: { client: unknown; keyPrefix: string };
}

export type UploadLimiter = (uid: string) => Promise<void>;

/**
 * Per-uid upload limit. With Redis the count holds across API instances; if Redis fails, an in-memory limiter
 * takes over for this instance rather than refusing every upload.
 */
export function createUploadLimiter(options: RateLimitOptions): UploadLimiter {
  if (options.perMinute === 0) return async () => undefined;
  const limits = { points: options.perMinute, duration: 60 };
  const memory = new RateLimiterMemory(limits);
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({
        ...limits,
        storeClient: options.redis.client,
        keyPrefix: `${options.redis.keyPrefix}ratelimit`,
        insuranceLimiter: memory,
      })
    : memory;
  return async (uid) => {
    try {
      await limiter.consume(uid);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      }
      throw rejection;
    }
  };
}
