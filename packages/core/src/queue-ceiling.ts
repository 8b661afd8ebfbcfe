import { QueueFullError } from './errors.js';
import type { Closeable, TaskQueue } from './ports.js';

export interface QueueCeilingOptions {
  /** Where the depth is read: messages waiting for a consumer. */
  queue: Pick<TaskQueue, 'depth'>;
  /** Most tasks queued at once; `admit` refuses beyond it. */
  maxQueued: number;
  /** How often the depth is read again, in milliseconds. Default 1000. */
  refreshMs?: number;
  /** Longest `Retry-After` offered, in seconds (also when nothing drains). Default 60. */
  maxRetryAfterSeconds?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** A place taken in the queue: say what became of it, once. */
export interface Admission {
  /** The task is queued (publish confirmed). */
  queued(): void;
  /** The task was not queued (bad upload, publish refused): the place is free again. */
  abandoned(): void;
}

/**
 * Refuses tasks beyond `maxQueued` before anything is read or written, from a cached depth plus what this
 * process queued since and has in flight, so a single process never oversteps it even in a burst (the broker's
 * own length limit is the shared backstop, approximate under bursts). Estimates `Retry-After` from the drain
 * rate measured between reads.
 */
export class QueueCeiling implements Closeable {
  readonly maxQueued: number;
  readonly #queue: Pick<TaskQueue, 'depth'>;
  readonly #maxRetryAfter: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  /** Depth at the last accepted read, and `#queuedTotal` at that moment. */
  #base = 0;
  #baseQueued = 0;
  #baseAt: number;
  #queuedTotal = 0;
  #inFlight = 0;
  /** Tasks per second leaving the queue, smoothed; undefined until measured. */
  #drainRate: number | undefined;
  #skipped = 0;
  #brokerFull = false;
  #refreshing: Promise<void> | undefined;

  constructor(options: QueueCeilingOptions) {
    if (!Number.isSafeInteger(options.maxQueued) || options.maxQueued < 0)
      throw new RangeError('maxQueued must be a non-negative integer');
    this.maxQueued = options.maxQueued;
    this.#queue = options.queue;
    this.#maxRetryAfter = options.maxRetryAfterSeconds ?? 60;
    this.#now = options.now ?? Date.now;
    this.#baseAt = this.#now();
    this.#timer = setInterval(() => void this.refresh().catch(() => undefined), options.refreshMs ?? 1000);
    this.#timer.unref();
  }

  /** Tasks queued, as far as this process knows: the last depth read, plus its own since, plus in flight. */
  get estimate(): number {
    return this.#base + (this.#queuedTotal - this.#baseQueued) + this.#inFlight;
  }

  /** Measured tasks per second leaving the queue, or undefined before two reads. */
  get drainRate(): number | undefined {
    return this.#drainRate;
  }

  /** Takes a place, or throws `QueueFullError` (with `retryAfterSeconds`) when there is none. */
  admit(): Admission {
    if (this.#brokerFull || this.estimate >= this.maxQueued) throw this.full();
    this.#inFlight += 1;
    let settled = false;
    const settle = (queued: boolean) => {
      if (settled) return;
      settled = true;
      this.#inFlight -= 1;
      if (queued) this.#queuedTotal += 1;
    };
    return { queued: () => settle(true), abandoned: () => settle(false) };
  }

  /** The broker refused a publish (its own limit): refuse here too until the next read says otherwise. */
  brokerRefused(): void {
    this.#brokerFull = true;
  }

  /** A `QueueFullError` with the current `Retry-After` estimate. */
  full(): QueueFullError {
    return new QueueFullError(`the queue holds its limit of ${this.maxQueued} tasks`, {
      retryAfterSeconds: this.retryAfterSeconds(),
    });
  }

  /** Seconds until a place is likely free: the excess over the ceiling divided by the drain rate. */
  retryAfterSeconds(): number {
    const rate = this.#drainRate;
    if (rate === undefined || rate <= 0) return this.#maxRetryAfter;
    const excess = Math.max(1, this.estimate - this.maxQueued + 1);
    return Math.min(this.#maxRetryAfter, Math.max(1, Math.ceil(excess / rate)));
  }

  /** Reads the depth now (the timer does it every `refreshMs`). Rejects as `depth()` does. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#read().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }

  async #read(): Promise<void> {
    const queuedBefore = this.#queuedTotal;
    const depth = await this.#queue.depth();
    const at = this.#now();
    // A task queued while the read was on its way may or may not be in it. Counting it twice is safe (a refusal
    // too early), so such a read is used only when several in a row overlapped publishes.
    if (this.#queuedTotal !== queuedBefore && this.#skipped < 3) {
      this.#skipped += 1;
      return;
    }
    this.#skipped = 0;
    const seconds = (at - this.#baseAt) / 1000;
    if (seconds > 0) {
      const drained = Math.max(0, this.#base + (queuedBefore - this.#baseQueued) - depth);
      const rate = drained / seconds;
      this.#drainRate = this.#drainRate === undefined ? rate : (this.#drainRate + rate) / 2;
    }
    this.#base = depth;
    this.#baseQueued = queuedBefore;
    this.#baseAt = at;
    this.#brokerFull = depth >= this.maxQueued;
  }
}
