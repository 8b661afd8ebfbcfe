import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import pRetry from 'p-retry';
import { Webhook } from 'standardwebhooks';
import {
  InvalidCallbackError,
  InvalidRequestError,
  UnavailableError,
  type BackoffOptions,
  type Notification,
  type NotificationStatus,
  type Notifier,
  type NotifyOptions,
} from '@visionq/core';
import { guardedLookup } from './connect.js';
import { CheckedPolicy, checkUrlShape, type CallbackPolicy } from './policy.js';
import { post, type PostOutcome } from './post.js';
import { webhookBody } from './body.js';
import { emit, type WebhookEvents } from './events.js';

export interface WebhookRetryOptions extends BackoffOptions {
  /** Gives up after this long, in milliseconds. Default 30 s. */
  readonly maxRetryTimeMs?: number;
}

export interface WebhookNotifierOptions {
  /** The Standard Webhooks signing secret (`whsec_` and base64), shared with the receivers. Required. */
  readonly secret: string;
  /** Which URLs may be called; checked again at every connection. Required. */
  readonly policy: CallbackPolicy;
  /** Defaults: first delay 500 ms, doubling up to 5 s, for 30 s in all; each delay with random jitter. */
  readonly retry?: WebhookRetryOptions;
  /** One attempt's longest wait for the receiver's answer, in milliseconds. Default 5 s. */
  readonly attemptTimeoutMs?: number;
  /** Certificate authorities (PEM) trusted besides Node's own, e.g. an internal CA. Default none. */
  readonly ca?: string | readonly string[];
  /** Observers of attempts, retries and outcomes, for metrics. They never see the URL. */
  readonly events?: WebhookEvents;
}

class Refused extends Error {
  constructor(readonly outcome: Exclude<PostOutcome, { kind: 'delivered' }>) {
    super(outcome.reason);
  }
}

/**
 * Tells a server that a task ended: a JSON POST signed as Standard Webhooks says (`webhook-id`, the notification's
 * id on every attempt; `webhook-timestamp`; `webhook-signature`), retried with backoff on transient failures.
 */
export class WebhookNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  private readonly webhook: Webhook;
  private readonly policy: CheckedPolicy;
  private readonly retry: Required<WebhookRetryOptions>;
  private readonly attemptTimeoutMs: number;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  private readonly events: WebhookEvents;
  private readonly closing = new AbortController();

  constructor(options: WebhookNotifierOptions) {
    if (!options.secret) throw new InvalidRequestError('WebhookNotifier: the secret option is required');
    try {
      this.webhook = new Webhook(options.secret);
    } catch (cause) {
      throw new InvalidRequestError('WebhookNotifier: the secret is not a whsec_ base64 secret', { cause });
    }
    this.policy = new CheckedPolicy(options.policy);
    this.retry = {
      maxRetryTimeMs: options.retry?.maxRetryTimeMs ?? 30_000,
      initialDelayMs: options.retry?.initialDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 5_000,
    };
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
    this.events = options.events ?? {};
    const lookup = guardedLookup(this.policy);
    const ca = options.ca === undefined ? undefined : [...rootCertificates, ...[options.ca].flat()];
    this.agents = {
      http: new HttpAgent({ lookup }),
      https: new HttpsAgent({ lookup, ...(ca ? { ca } : {}) }),
    };
  }

  async notify(notification: Notification, options: NotifyOptions = {}): Promise<NotificationStatus> {
    const { target } = notification;
    if (target.channel !== 'webhook')
      throw new InvalidRequestError(`this notifier serves webhook, not ${target.channel}`);
    const signal = AbortSignal.any([this.closing.signal, ...(options.signal ? [options.signal] : [])]);
    signal.throwIfAborted();
    const body = webhookBody(notification.record);
    const about = { notificationId: notification.id, taskId: notification.record.task_id };
    const started = Date.now();
    let attempts = 0;
    let last: PostOutcome | undefined;
    const finish = (outcome: PostOutcome): NotificationStatus => {
      const at = new Date().toISOString();
      if (outcome.kind === 'delivered') {
        emit(this.events, 'delivered', { ...about, attempt: attempts, status: outcome.status });
        return { channel: 'webhook', attempts, delivered_at: at };
      }
      emit(this.events, 'failed', {
        ...about,
        attempt: attempts,
        reason: outcome.reason,
        status: outcome.status,
      });
      return { channel: 'webhook', attempts, failed_at: at };
    };
    try {
      return finish(
        await pRetry(
          async () => {
            attempts += 1;
            emit(this.events, 'attempt', { ...about, attempt: attempts });
            const outcome = await this.attempt(target.url, notification.id, body, signal);
            last = outcome;
            if (outcome.kind !== 'delivered') throw new Refused(outcome);
            return outcome;
          },
          {
            // `maxRetryTime` is the real bound; the count only has to be large enough never to come first.
            retries: Math.min(
              1_000,
              Math.ceil(this.retry.maxRetryTimeMs / Math.max(1, this.retry.initialDelayMs)),
            ),
            maxRetryTime: this.retry.maxRetryTimeMs,
            minTimeout: this.retry.initialDelayMs,
            maxTimeout: this.retry.maxDelayMs,
            randomize: true,
            signal,
            shouldRetry: (error) => error instanceof Refused && error.outcome.kind === 'transient',
            onFailedAttempt: async (error) => {
              signal.throwIfAborted();
              const { outcome } = error as unknown as Refused;
              if (outcome.kind !== 'transient') return;
              const wait = outcome.retryAfterMs ?? 0;
              // Out of time (p-retry would stop too, after this call), or a receiver asking for more time than is
              // left: given up now, so that observers never hear of a retry that does not come.
              if (Date.now() - started + wait >= this.retry.maxRetryTimeMs) throw error;
              emit(this.events, 'retry', {
                ...about,
                attempt: attempts,
                reason: outcome.reason,
                status: outcome.status,
              });
              if (wait > 0) await abortableSleep(wait, signal);
            },
          },
        ),
      );
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // Whichever error p-retry ends with (its own timeout included), what counts is the last answer.
      if (last && last.kind !== 'delivered') return finish(last);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (!this.closing.signal.aborted) this.closing.abort(new UnavailableError('the notifier is closed'));
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async attempt(url: string, id: string, body: string, signal: AbortSignal): Promise<PostOutcome> {
    let checked: URL;
    try {
      // The policy may have changed since the task was submitted; the address is checked again at connect time.
      checked = checkUrlShape(url, this.policy);
    } catch (error) {
      if (error instanceof InvalidCallbackError) return { kind: 'permanent', reason: error.reason };
      throw error;
    }
    const timestamp = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'visionq-webhook',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(id, timestamp, body),
    };
    return post(checked, body, { agents: this.agents, headers, timeoutMs: this.attemptTimeoutMs, signal });
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}
