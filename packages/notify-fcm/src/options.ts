import type { BackoffOptions } from '@visionq/core';
import type { App } from 'firebase-admin/app';
import type { FcmNotifierEvents } from './events.js';

export interface FcmRetryOptions extends BackoffOptions {
  /** Gives up after this long, in milliseconds, counted from the first attempt. Default 30 000. */
  readonly maxRetryTimeMs?: number;
}

export interface FcmNotifierOptions {
  /**
   * The firebase-admin app whose project and credential send the messages (and whose `httpAgent` carries them).
   * Required; it stays its owner's: `close()` does not delete it.
   */
  readonly app: App;
  /** Retries of transient failures: backoff doubling from 200 ms up to 5 s, with jitter, for at most 30 s. */
  readonly retry?: FcmRetryOptions;
  /** One attempt's longest wait for FCM's answer, in milliseconds. Default 10 000. */
  readonly attemptTimeoutMs?: number;
  /**
   * How long FCM and APNs keep a message for a device that is offline, in milliseconds; past it they drop it.
   * Default 300 000 (5 minutes): set it to the service's result TTL, since a message about a result that has
   * expired only sends the app to a 404. FCM's own default would be 4 weeks.
   */
  readonly messageTtlMs?: number;
  /** Observers for metrics and logs; none is ever given the device token. */
  readonly events?: FcmNotifierEvents;
}

export interface NormalisedOptions {
  readonly maxRetryTimeMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly attemptTimeoutMs: number;
  readonly messageTtlMs: number;
}

export const DEFAULTS = {
  maxRetryTimeMs: 30_000,
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  attemptTimeoutMs: 10_000,
  messageTtlMs: 300_000,
} as const satisfies NormalisedOptions;

const MAX_MESSAGE_TTL_MS = 28 * 24 * 3600 * 1000;

export function normaliseOptions(options: FcmNotifierOptions): NormalisedOptions {
  const { app, retry = {} } = options ?? {};
  if (!app || typeof app.name !== 'string' || typeof app.options !== 'object') {
    throw new TypeError(
      'app is required: the firebase-admin App (initializeApp) whose project sends the messages',
    );
  }
  const normalised = {
    maxRetryTimeMs: retry.maxRetryTimeMs ?? DEFAULTS.maxRetryTimeMs,
    initialDelayMs: retry.initialDelayMs ?? DEFAULTS.initialDelayMs,
    maxDelayMs: retry.maxDelayMs ?? DEFAULTS.maxDelayMs,
    attemptTimeoutMs: options.attemptTimeoutMs ?? DEFAULTS.attemptTimeoutMs,
    messageTtlMs: options.messageTtlMs ?? DEFAULTS.messageTtlMs,
  };
  for (const [name, value] of Object.entries(normalised)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`${name} must be a positive number of milliseconds`);
  }
  if (normalised.messageTtlMs > MAX_MESSAGE_TTL_MS) {
    throw new RangeError('messageTtlMs must be at most 4 weeks (FCM keeps a message no longer)');
  }
  if (normalised.maxDelayMs < normalised.initialDelayMs) {
    throw new RangeError('retry.maxDelayMs must be at least retry.initialDelayMs');
  }
  return normalised;
}
