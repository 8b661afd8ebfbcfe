/** A redelivered task waiting to be handled alone. */
interface Suspect<R> {
  /** Classifies it and stores its outcome: the next one starts only once this one is safely ended. */
  work: () => Promise<R>;
  /** Deliveries so far, this one included. */
  deliveryCount: number;
  /** When it was accepted (ms since the epoch): the order it was published in. */
  timestamp: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Redelivered tasks, handled one at a time, each stored before the next is classified. A worker killed by one image returns every task it held, all
 * with the same delivery count; taken in publish order one round and in reverse the next (by the parity of that
 * count), the tasks on either side of the culprit are each classified before it within two rounds, so only the
 * culprit keeps returning until it is dead-lettered. Waits `gatherMs` after the first arrival, so that a burst of
 * redeliveries is ordered as a whole.
 */
export class SuspectLine<R> {
  readonly #gatherMs: number;
  #waiting: Suspect<R>[] = [];
  #busy = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(gatherMs = 100) {
    this.#gatherMs = gatherMs;
  }

  /** Runs `work` in its turn, alone; resolves or rejects as it does. */
  add(deliveryCount: number, timestamp: number, work: () => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ work, deliveryCount, timestamp, resolve, reject });
      if (!this.#busy && this.#timer === undefined)
        this.#timer = setTimeout(() => void this.#drain(), this.#gatherMs);
    });
  }

  /** Starts what waits now, without waiting for more. */
  flush(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#timer = undefined;
    this.#busy = true;
    try {
      for (let next = this.#next(); next; next = this.#next()) {
        try {
          next.resolve(await next.work());
        } catch (error) {
          next.reject(error);
        }
      }
    } finally {
      this.#busy = false;
    }
  }

  #next(): Suspect<R> | undefined {
    if (this.#waiting.length === 0) return undefined;
    // The most redelivered go last: they are the likeliest culprits.
    const fewest = Math.min(...this.#waiting.map((s) => s.deliveryCount));
    const round = this.#waiting.filter((s) => s.deliveryCount === fewest);
    const forward = fewest % 2 === 0;
    const pick = round.reduce((a, b) =>
      forward ? (b.timestamp < a.timestamp ? b : a) : b.timestamp > a.timestamp ? b : a,
    );
    this.#waiting = this.#waiting.filter((s) => s !== pick);
    return pick;
  }
}
