/**
 * An exponential backoff, the one name set every visionq package uses for it: the first delay, doubling up
 * to the longest (each package documents its defaults and its jitter).
 */
export interface BackoffOptions {
  /** First delay, in milliseconds. */
  readonly initialDelayMs?: number;
  /** Longest delay, in milliseconds: the exponential growth stops here. */
  readonly maxDelayMs?: number;
}
