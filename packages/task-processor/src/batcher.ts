export interface BatcherOptions<T, R> {
  /** Most items in one batch. */
  maxSize: number;
  /**
   * Longest an incomplete batch waits for batch-mates while the processor is free, in milliseconds. 0: none;
   * under load batches fill anyway, with what arrives while earlier batches run.
   */
  maxDelayMs: number;
  /** Batches processed at once (e.g. one running while the next is being prepared). Default 2. */
  maxConcurrent?: number;
  /** Processes one batch; must resolve with one result per item, in order. */
  run: (items: T[]) => Promise<R[]>;
}

interface Pending<T, R> {
  item: T;
  since: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Dynamic batching driven by the processor's capacity: while a batch slot is free, what is waiting runs at once
 * (after `maxDelayMs` at most, for batch-mates); while every slot is busy, items pile up and go together into the
 * next free slot, up to `maxSize`. A lone item under light load therefore waits for nothing, and a busy
 * processor gets full batches.
 */
export class Batcher<T, R> {
  readonly #options: Required<BatcherOptions<T, R>>;
  #pending: Pending<T, R>[] = [];
  #running = 0;
  #timer: NodeJS.Timeout | undefined;
  #scheduled = false;
  #draining = false;

  constructor(options: BatcherOptions<T, R>) {
    if (!Number.isInteger(options.maxSize) || options.maxSize < 1)
      throw new RangeError('maxSize must be ≥ 1');
    if (!(options.maxDelayMs >= 0)) throw new RangeError('maxDelayMs must be ≥ 0');
    const maxConcurrent = options.maxConcurrent ?? 2;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new RangeError('maxConcurrent must be ≥ 1');
    this.#options = { ...options, maxConcurrent };
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, since: performance.now(), resolve, reject });
      this.#schedule();
    });
  }

  /** Runs whatever is waiting as slots free, without waiting for batch-mates (used when stopping). */
  flush(): void {
    this.#draining = true;
    this.#dispatch();
  }

  /** Items that arrive in the same tick (one network read carries several messages) join one batch. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const { maxSize, maxDelayMs, maxConcurrent } = this.#options;
    while (this.#running < maxConcurrent && this.#pending.length > 0) {
      const waited = performance.now() - (this.#pending[0] as Pending<T, R>).since;
      if (this.#pending.length < maxSize && waited < maxDelayMs && !this.#draining) {
        this.#timer = setTimeout(() => this.#dispatch(), maxDelayMs - waited);
        return;
      }
      this.#start(this.#pending.splice(0, maxSize));
    }
  }

  #start(batch: Pending<T, R>[]): void {
    this.#running += 1;
    let work: Promise<R[]>;
    try {
      work = this.#options.run(batch.map((entry) => entry.item));
    } catch (error) {
      work = Promise.reject(error);
    }
    work
      .then(
        (results) =>
          batch.forEach((entry, i) =>
            i < results.length
              ? entry.resolve(results[i] as R)
              : entry.reject(new Error(`batch returned ${results.length} results for ${batch.length} items`)),
          ),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        this.#running -= 1;
        this.#dispatch();
      });
  }
}
