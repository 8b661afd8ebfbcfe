import {
  InvalidRequestError,
  UnavailableError,
  type Notification,
  type NotificationStatus,
  type Notifier,
  type NotifyOptions,
} from '@visionq/core';
import { getMessaging, type Messaging, type TokenMessage } from 'firebase-admin/messaging';
import pRetry, { AbortError } from 'p-retry';
import { turnOffAdminRetries } from './admin-retries.js';
import { classify, type Classified } from './classify.js';
import { emit, type FcmNotifierEvents } from './events.js';
import { toMessage } from './message.js';
import { normaliseOptions, type FcmNotifierOptions, type NormalisedOptions } from './options.js';
import { raceAbort } from './race.js';

/**
 * Tells a device that its task ended: one FCM data message through firebase-admin's `send`, retried with
 * backoff and jitter while FCM fails transiently, for at most `retry.maxRetryTimeMs`.
 */
export class FcmNotifier implements Notifier {
  readonly channel = 'fcm' as const;
  private readonly messaging: Messaging;
  private readonly options: NormalisedOptions;
  private readonly events: FcmNotifierEvents | undefined;
  private readonly closing = new AbortController();

  constructor(options: FcmNotifierOptions) {
    this.options = normaliseOptions(options);
    this.events = options.events;
    this.messaging = getMessaging(options.app);
    turnOffAdminRetries(this.messaging);
  }

  async notify(notification: Notification, options: NotifyOptions = {}): Promise<NotificationStatus> {
    const { target } = notification;
    if (target.channel !== 'fcm')
      throw new InvalidRequestError(`this notifier serves fcm, not ${target.channel}`);
    const stopped = AbortSignal.any([this.closing.signal, ...(options.signal ? [options.signal] : [])]);
    stopped.throwIfAborted();
    const message = toMessage(notification, target.token, this.options.messageTtlMs, Date.now());
    const ids = { notificationId: notification.id, taskId: notification.record.task_id };
    const { maxRetryTimeMs, initialDelayMs, maxDelayMs } = this.options;
    const signal = AbortSignal.any([stopped, AbortSignal.timeout(maxRetryTimeMs)]);
    const started = Date.now();
    let attempts = 0;
    let last: Classified | undefined;
    try {
      await pRetry(
        async () => {
          if (signal.aborted) throw new AbortError(signal.reason as Error);
          if (last) emit(this.events, 'retried', { ...ids, attempt: attempts + 1, reason: last.reason });
          attempts += 1;
          try {
            await this.attempt(message, signal);
          } catch (error) {
            if ((error as { code?: unknown } | undefined)?.code === 'app/app-deleted') {
              // Its owner shut the app down: like a closed notifier, nothing is decided.
              throw new AbortError(
                new UnavailableError('the firebase-admin app was deleted', { cause: error }),
              );
            }
            last = classify(error);
            // p-retry retries `Error`s only; the classification travels with it.
            const failure = Object.assign(
              new Error(`FCM attempt failed: ${last.reason}`, { cause: error }),
              last,
            );
            throw last.permanent ? new AbortError(failure) : failure;
          }
        },
        {
          // The retry time is the real bound; the count only has to be large enough never to come first.
          retries: Math.min(1_000, Math.ceil(maxRetryTimeMs / initialDelayMs)),
          maxRetryTime: maxRetryTimeMs,
          minTimeout: initialDelayMs,
          maxTimeout: maxDelayMs,
          randomize: true,
          signal,
        },
      );
    } catch (error) {
      // Stopped by the caller or by close(): nothing was decided, the caller offers it again later.
      if (stopped.aborted) throw stopped.reason;
      if (error instanceof UnavailableError) throw error;
      const { reason, permanent } = last ?? { reason: 'timeout', permanent: false };
      emit(this.events, 'failed', { ...ids, attempts, reason, permanent });
      if (permanent) emit(this.events, 'tokenDropped', { ...ids, reason });
      return { channel: this.channel, attempts, failed_at: new Date().toISOString() };
    }
    emit(this.events, 'sent', { ...ids, attempts, elapsedMs: Date.now() - started });
    return { channel: this.channel, attempts, delivered_at: new Date().toISOString() };
  }

  /** Leaves the app to its owner; notifications in flight reject with `UnavailableError`. Idempotent. */
  async close(): Promise<void> {
    this.closing.abort(new UnavailableError('the notifier is closed'));
  }

  /**
   * One request to FCM, given up on after the attempt's timeout (or when `signal` aborts). `send` takes no
   * signal: a request given up on is left to firebase-admin, which drops its socket at its own 15 s timeout
   * and, its retries being off, never sends it again.
   */
  private async attempt(message: TokenMessage, signal: AbortSignal): Promise<void> {
    const sending = Promise.resolve().then(() => this.messaging.send(message));
    const timeout = AbortSignal.timeout(this.options.attemptTimeoutMs);
    await raceAbort(sending, AbortSignal.any([signal, timeout]));
  }
}
