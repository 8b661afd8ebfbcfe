import { ConflictError, UnavailableError } from '../errors.js';
import {
  cancelledRecord,
  decodeRecord,
  encodeRecord,
  notifiedRecord,
  terminalRecord,
  validatePendingRecord,
} from '../records.js';
import {
  deadlineOutcome,
  isOverdue,
  isTerminal,
  type NotificationStatus,
  type PendingRecord,
  type ResultRecord,
  type TaskOutcome,
} from '../schemas.js';
import type { CreateOutcome, IdempotencyClaim, ResultStore } from '../ports.js';

/** What in-memory stores share: several stores on one storage behave like several clients of one server. */
export class InMemoryStorage {
  readonly records = new Map<string, Entry>();
  readonly claims = new Map<string, { taskId: string; fingerprint: string }>();
  readonly waiters = new Map<string, Set<(record: ResultRecord) => void>>();
}

export interface InMemoryResultStoreOptions {
  /** How long a finished record is kept, in milliseconds. */
  resultTtlMs: number;
  /** How long a queued or processing record is kept, in milliseconds. */
  pendingTtlMs: number;
  /** A task not ended this long after it was accepted ends `failed`/`deadline_exceeded`. Default: none. */
  taskDeadlineMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Storage shared with other stores; a fresh one by default. */
  storage?: InMemoryStorage;
}

interface Entry {
  /** Serialised, so that reads validate exactly as a remote store's would. */
  value: string;
  expiresAt: number;
}

/** `ResultStore` in process memory: for tests and the embedded all-in-one mode. */
export class InMemoryResultStore implements ResultStore {
  readonly #records: Map<string, Entry>;
  readonly #claims: Map<string, { taskId: string; fingerprint: string }>;
  readonly #waiters: Map<string, Set<(record: ResultRecord) => void>>;
  readonly #options: Required<Omit<InMemoryResultStoreOptions, 'storage' | 'taskDeadlineMs'>>;
  readonly #deadlineMs: number | undefined;
  readonly #mine = new Set<(record: ResultRecord) => void>();
  #closed = false;

  constructor(options: InMemoryResultStoreOptions) {
    const { storage = new InMemoryStorage(), taskDeadlineMs, ...rest } = options;
    this.#options = { now: Date.now, ...rest };
    this.#deadlineMs = taskDeadlineMs;
    this.#records = storage.records;
    this.#claims = storage.claims;
    this.#waiters = storage.waiters;
  }

  async create(
    record: PendingRecord,
    options: { idempotency?: IdempotencyClaim } = {},
  ): Promise<CreateOutcome> {
    this.#assertOpen();
    const valid = validatePendingRecord(record);
    if (this.#live(valid.task_id)) throw new ConflictError(`task ${valid.task_id} already exists`);
    const claim = options.idempotency;
    if (claim) {
      const claimKey = `${valid.owner}\u0000${claim.key}`;
      const existing = this.#claims.get(claimKey);
      const existingRecord = existing && this.#read(existing.taskId);
      if (existing && existingRecord) {
        return {
          created: false,
          record: existingRecord,
          sameRequest: existing.fingerprint === claim.fingerprint,
        };
      }
      this.#claims.set(claimKey, { taskId: valid.task_id, fingerprint: claim.fingerprint });
    }
    this.#write(valid, this.#options.pendingTtlMs);
    return { created: true, record: valid };
  }

  // Each write below reads and writes without awaiting in between: that is what makes it atomic here.

  async markProcessing(taskId: string): Promise<ResultRecord | undefined> {
    this.#assertOpen();
    const current = this.#read(taskId);
    if (!current || current.status !== 'queued') return current;
    const next: ResultRecord = { ...current, status: 'processing', updated_at: this.#isoNow() };
    this.#write(next, this.#options.pendingTtlMs);
    return next;
  }

  async complete(taskId: string, owner: string, outcome: TaskOutcome): Promise<ResultRecord> {
    this.#assertOpen();
    const current = this.#read(taskId);
    if (current && isTerminal(current.status)) return current;
    const next = terminalRecord(taskId, owner, current, outcome, new Date(this.#options.now()));
    this.#end(next, this.#options.resultTtlMs);
    return next;
  }

  async cancel(taskId: string): Promise<ResultRecord | undefined> {
    this.#assertOpen();
    const current = this.#read(taskId);
    if (!current) return undefined;
    if (current.status === 'queued' || current.status === 'processing') {
      // Kept as long as a pending record: the message may still wait in the queue all that time.
      this.#end(cancelledRecord(current, new Date(this.#options.now())), this.#options.pendingTtlMs);
    } else {
      await this.delete(taskId);
    }
    return current;
  }

  async recordNotification(taskId: string, status: NotificationStatus): Promise<ResultRecord | undefined> {
    this.#assertOpen();
    const current = this.#read(taskId);
    const next = notifiedRecord(current, status);
    if (!next) return current;
    // The entry's expiry is kept: a notification never makes a record live longer.
    const entry = this.#records.get(taskId) as Entry;
    entry.value = encodeRecord(next);
    return next;
  }

  async get(taskId: string): Promise<ResultRecord | undefined> {
    this.#assertOpen();
    return this.#read(taskId);
  }

  async waitFor(taskId: string, timeoutMs: number, signal?: AbortSignal): Promise<ResultRecord | undefined> {
    // Listen before reading, so that a completion between the two is not missed.
    let onComplete!: (record: ResultRecord) => void;
    const completed = new Promise<ResultRecord>((resolve) => {
      onComplete = resolve;
      const waiters = this.#waiters.get(taskId) ?? new Set();
      this.#waiters.set(taskId, waiters.add(onComplete));
      this.#mine.add(onComplete);
    });
    try {
      const current = await this.get(taskId);
      if (!current || isTerminal(current.status) || timeoutMs <= 0) return current;
      // The deadline ends the task even with nobody else reading it: wake for it, and the read below ends it.
      const untilDeadline =
        this.#deadlineMs === undefined
          ? timeoutMs
          : Date.parse(current.created_at) + this.#deadlineMs - this.#options.now();
      const wakeAt = this.#options.now() + Math.max(0, Math.min(timeoutMs, untilDeadline));
      const timedOut = new Promise<'timeout'>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        let rearmed = 0;
        // Timers count on the event loop's millisecond clock, the deadline on the wall clock's: a timer can fire
        // a millisecond before the deadline it waited for, which then reads as not passed. Armed again for what
        // is left (a few times at most, whatever the clock does). Node fires timers longer than 2^31-1 ms at once.
        const arm = (ms: number) => {
          timer = setTimeout(
            () => {
              const left = wakeAt - this.#options.now();
              if (left > 0 && rearmed++ < 3) arm(left + 1);
              else resolve('timeout');
            },
            Math.min(ms, 2 ** 31 - 1),
          );
        };
        arm(wakeAt - this.#options.now());
        completed.finally(() => clearTimeout(timer)).catch(() => undefined);
        signal?.addEventListener('abort', () => resolve('timeout'), { once: true });
      });
      const winner = await Promise.race([completed, timedOut]);
      return winner === 'timeout' ? await this.get(taskId) : winner;
    } finally {
      const waiters = this.#waiters.get(taskId);
      waiters?.delete(onComplete);
      this.#mine.delete(onComplete);
      if (waiters?.size === 0) this.#waiters.delete(taskId);
    }
  }

  async delete(taskId: string): Promise<void> {
    this.#assertOpen();
    this.#records.delete(taskId);
    for (const [key, claim] of this.#claims) if (claim.taskId === taskId) this.#claims.delete(key);
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiters of this.#waiters.values()) for (const wake of this.#mine) waiters.delete(wake);
  }

  /** Overwrites a record with raw text, as a bug or another program could. For tests of corrupt-record handling. */
  writeRaw(taskId: string, value: string): void {
    this.#records.set(taskId, { value, expiresAt: this.#options.now() + this.#options.pendingTtlMs });
  }

  /** The record, ended first if it outlived the task deadline. */
  #read(taskId: string): ResultRecord | undefined {
    const entry = this.#live(taskId);
    const record = entry && decodeRecord(taskId, entry.value);
    if (!record || !isOverdue(record, this.#deadlineMs, this.#options.now())) return record;
    const failed = terminalRecord(
      taskId,
      record.owner,
      record,
      deadlineOutcome(this.#deadlineMs as number),
      new Date(this.#options.now()),
    );
    this.#end(failed, this.#options.resultTtlMs);
    return failed;
  }

  #end(record: ResultRecord, ttlMs: number): void {
    this.#write(record, ttlMs);
    for (const wake of this.#waiters.get(record.task_id) ?? []) wake(record);
  }

  #write(record: ResultRecord, ttlMs: number): void {
    this.#records.set(record.task_id, {
      value: encodeRecord(record),
      expiresAt: this.#options.now() + ttlMs,
    });
  }

  #live(taskId: string): Entry | undefined {
    const entry = this.#records.get(taskId);
    if (entry && entry.expiresAt <= this.#options.now()) {
      this.#records.delete(taskId);
      return undefined;
    }
    return entry;
  }

  #isoNow(): string {
    return new Date(this.#options.now()).toISOString();
  }

  #assertOpen(): void {
    if (this.#closed) throw new UnavailableError('store is closed');
  }
}
