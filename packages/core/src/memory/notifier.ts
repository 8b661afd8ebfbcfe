import { InvalidRequestError, UnavailableError } from '../errors.js';
import type { Notification, Notifier, NotifyOptions } from '../ports.js';
import type { NotificationChannel, NotificationStatus } from '../schemas.js';

/** How the recording receiver answers one attempt. `hang` never answers: the attempt times out. */
export type ReceiverStep = 'ok' | 'transient' | 'permanent' | 'hang';

export interface RecordingNotifierOptions {
  channel?: NotificationChannel;
  /** Gives up retrying after this long, in milliseconds. Default 30 s. */
  maxRetryTimeMs?: number;
  /** First backoff delay; doubles up to `maxDelayMs`. Defaults 100 ms and 2 s. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** One attempt's longest wait for an answer. Default 5 s. */
  attemptTimeoutMs?: number;
}

/**
 * A notifier that delivers to itself: it keeps every attempt in `attempts` and answers each by the steps given
 * to `answerNext` (then `ok`). For unit tests of the apps and for the embedded mode, where there is nobody to
 * tell; it runs the same contract as the real channels.
 */
export class RecordingNotifier implements Notifier {
  readonly channel: NotificationChannel;
  /** Every attempt that reached the receiver, in order. */
  readonly attempts: { notification: Notification; at: number }[] = [];
  /** Notifications delivered (answered `ok`), each once however many attempts it took. */
  readonly delivered: Notification[] = [];
  private readonly steps: ReceiverStep[] = [];
  private readonly options: Required<Omit<RecordingNotifierOptions, 'channel'>>;
  private readonly closing = new AbortController();

  constructor(options: RecordingNotifierOptions = {}) {
    this.channel = options.channel ?? 'webhook';
    this.options = {
      maxRetryTimeMs: options.maxRetryTimeMs ?? 30_000,
      initialDelayMs: options.initialDelayMs ?? 100,
      maxDelayMs: options.maxDelayMs ?? 2_000,
      attemptTimeoutMs: options.attemptTimeoutMs ?? 5_000,
    };
  }

  /** The next attempts are answered by `steps`, in order; every later one with `ok`. */
  answerNext(steps: readonly ReceiverStep[]): void {
    this.steps.push(...steps);
  }

  async notify(notification: Notification, options: NotifyOptions = {}): Promise<NotificationStatus> {
    if (notification.target.channel !== this.channel)
      throw new InvalidRequestError(
        `this notifier serves ${this.channel}, not ${notification.target.channel}`,
      );
    const signal = AbortSignal.any([this.closing.signal, ...(options.signal ? [options.signal] : [])]);
    const started = Date.now();
    let delay = this.options.initialDelayMs;
    for (let attempts = 1; ; attempts++) {
      signal.throwIfAborted();
      const answer = await this.attempt(notification, signal);
      const at = new Date().toISOString();
      if (answer === 'ok') {
        this.delivered.push(notification);
        return { channel: this.channel, attempts, delivered_at: at };
      }
      if (answer === 'permanent' || Date.now() - started + delay > this.options.maxRetryTimeMs)
        return { channel: this.channel, attempts, failed_at: at };
      await abortableSleep(delay * (0.5 + Math.random() / 2), signal);
      delay = Math.min(delay * 2, this.options.maxDelayMs);
    }
  }

  async close(): Promise<void> {
    this.closing.abort(new UnavailableError('the notifier is closed'));
  }

  private async attempt(notification: Notification, signal: AbortSignal): Promise<ReceiverStep> {
    this.attempts.push({ notification, at: Date.now() });
    const step = this.steps.shift() ?? 'ok';
    if (step !== 'hang') return step;
    await abortableSleep(this.options.attemptTimeoutMs, signal);
    return 'transient';
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    };
    const stop = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}
