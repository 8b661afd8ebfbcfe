export interface BatcherOptions<T, R> {
  /** Most items in one batch. */
  maxSize: number;
  /** Longest the first item of a batch waits for others, in milliseconds. */
  maxDelayMs: number;
  /** Processes one batch; must resolve with one result per item, in order. */
  run: (items: T[]) => Promise<R[]>;
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Dynamic batching: items that arrive together are processed together. A batch runs as soon as it is full or
 * its first item has waited `maxDelayMs`, whichever comes first. Batches may run concurrently, so the next
 * one fills while the previous one is still being processed.
 */
export class Batcher<T, R> {
  readonly #options: BatcherOptions<T, R>;
  #pending: Pending<T, R>[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BatcherOptions<T, R>) {
    if (!Number.isInteger(options.maxSize) || options.maxSize < 1)
      throw new RangeError('maxSize must be ≥ 1');
    if (!(options.maxDelayMs >= 0)) throw new RangeError('maxDelayMs must be ≥ 0');
    this.#options = options;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length >= this.#options.maxSize) this.flush();
      else this.#timer ??= setTimeout(() => this.flush(), this.#options.maxDelayMs);
    });
  }

  /** Runs whatever is waiting now, without waiting for more. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending.splice(0, this.#options.maxSize);
    if (this.#pending.length > 0) this.#timer = setTimeout(() => this.flush(), 0);
    if (batch.length === 0) return;
    this.#options.run(batch.map((entry) => entry.item)).then(
      (results) => {
        batch.forEach((entry, i) =>
          i < results.length
            ? entry.resolve(results[i] as R)
            : entry.reject(new Error(`batch returned ${results.length} results for ${batch.length} items`)),
        );
      },
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}
