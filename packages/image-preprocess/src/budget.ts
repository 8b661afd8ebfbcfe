import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The decode budget where no container limit is visible: half of the 1 GiB a worker is given in deploy/. */
export const DEFAULT_DECODE_BUDGET_BYTES = 512 * 2 ** 20;

/**
 * The memory limit of the container (cgroup) this process runs in, or `undefined` where none is set or
 * visible: cgroup v2's `memory.max`, else cgroup v1's `memory/memory.limit_in_bytes`.
 */
export async function containerMemoryLimit(root = '/sys/fs/cgroup'): Promise<number | undefined> {
  for (const file of ['memory.max', 'memory/memory.limit_in_bytes']) {
    const text = await readFile(join(root, file), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const bytes = Number(text.trim());
    // v2 writes "max"; v1 writes a number near 2^63 for "unlimited".
    return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
  }
  return undefined;
}

/**
 * The decode budget for a process limited to `limit` bytes: half of it, leaving the other half to the runtime,
 * the model and its inference buffers, and the messages held in prefetch. No limit: the default.
 */
export function decodeBudgetFor(limit: number | undefined): number {
  return limit === undefined ? DEFAULT_DECODE_BUDGET_BYTES : Math.floor(limit / 2);
}

interface Waiter {
  cost: number;
  admit: () => void;
}

/**
 * Admits decodes by count and by their estimated memory: one runs when fewer than `concurrency` run and its
 * cost fits what the running ones leave of `budget`. Waiters are admitted in arrival order, but one that does
 * not fit yet does not hold back smaller ones behind it: a flood of costly images then waits on itself, not
 * other users' photos. A costly image cannot be starved for long either, as the small ones admitted meanwhile
 * are few (`concurrency`) and soon done.
 */
export class DecodeGate {
  readonly #waiting: Waiter[] = [];
  #running = 0;
  #inUse = 0;

  constructor(
    readonly budget: number,
    readonly concurrency: number,
  ) {}

  /** Estimated bytes held by the decodes running now. */
  get inUse(): number {
    return this.#inUse;
  }

  /** Resolves with a release function once admitted. `cost` must not exceed the budget. */
  acquire(cost: number): Promise<() => void> {
    if (cost > this.budget) throw new RangeError(`cost ${cost} exceeds the budget ${this.budget}`);
    return new Promise((resolve) => {
      this.#waiting.push({
        cost,
        admit: () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.#running -= 1;
            this.#inUse -= cost;
            this.#pump();
          });
        },
      });
      this.#pump();
    });
  }

  #pump(): void {
    for (let i = 0; i < this.#waiting.length && this.#running < this.concurrency;) {
      const waiter = this.#waiting[i] as Waiter;
      if (this.#inUse + waiter.cost > this.budget) {
        i += 1;
        continue;
      }
      this.#waiting.splice(i, 1);
      this.#running += 1;
      this.#inUse += waiter.cost;
      waiter.admit();
    }
  }
}
