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

/**
 * Counts `points` uploads (default 1, at most the whole minute's) against `uid`'s limit, or throws
 * `RateLimitedError` (with `message`, if given) when they do not fit.
 */
export type UploadLimiter = (uid: string, points?: number, message?: string) => Promise<void>;

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
  return async (uid, points = 1, message) => {
    if (points <= 0) return;
    // Capped: an upload that counts more than a minute's worth would otherwise never be let through.
    const counted = Math.min(points, options.perMinute);
    try {
      await limiter.consume(uid, counted);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        // A refusal counts nothing here: after a costly image is refused, an ordinary one still fits what was left.
        await limiter.reward(uid, counted).catch(() => undefined);
        throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), message);
      }
      throw rejection;
    }
  };
}
