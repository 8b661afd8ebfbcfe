import { InvalidRequestError, UnavailableError } from '../errors.js';
import type { ClaimedEntry, NotificationOutbox, OutboxEntry } from '../ports.js';
import { decodeOutboxEntry } from '../records.js';
import { OutboxEntrySchema } from '../schemas.js';

interface Held {
  /** Serialised, so that claims validate exactly as a remote outbox's would. */
  value: string;
  claimedBy?: string;
  claimedAt: number;
}

/** What in-memory outboxes share: several on one storage behave like several clients of one server. */
export class InMemoryOutboxStorage {
  readonly entries = new Map<string, Held>();
  sequence = 0;
}

export interface InMemoryNotificationOutboxOptions {
  /** An entry claimed and not settled this long is offered again, in milliseconds. */
  idleMs: number;
  /** Most entries kept; appending past it drops the oldest. Default 100000. */
  maxLength?: number;
  /** Clock, for tests. */
  now?: () => number;
  storage?: InMemoryOutboxStorage;
}

/** `NotificationOutbox` in process memory: for tests and the embedded mode, where a crash loses everything anyway. */
export class InMemoryNotificationOutbox implements NotificationOutbox {
  readonly #storage: InMemoryOutboxStorage;
  readonly #idleMs: number;
  readonly #maxLength: number;
  readonly #now: () => number;
  #closed = false;

  constructor(options: InMemoryNotificationOutboxOptions) {
    this.#storage = options.storage ?? new InMemoryOutboxStorage();
    this.#idleMs = options.idleMs;
    this.#maxLength = options.maxLength ?? 100_000;
    this.#now = options.now ?? Date.now;
    if (!(this.#idleMs > 0) || !Number.isSafeInteger(this.#maxLength) || this.#maxLength < 1)
      throw new InvalidRequestError('outbox: idleMs and maxLength must be positive');
  }

  async append(entry: OutboxEntry): Promise<void> {
    this.#assertOpen();
    const parsed = OutboxEntrySchema.safeParse(entry);
    if (!parsed.success)
      throw new InvalidRequestError('outbox entry fails the schema', { cause: parsed.error });
    const { entries } = this.#storage;
    this.#storage.sequence += 1;
    entries.set(String(this.#storage.sequence), { value: JSON.stringify(parsed.data), claimedAt: 0 });
    for (const receipt of entries.keys()) {
      if (entries.size <= this.#maxLength) break;
      entries.delete(receipt);
    }
  }

  async claim(consumer: string, count: number): Promise<ClaimedEntry[]> {
    this.#assertOpen();
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidRequestError('claim count must be a positive integer');
    const now = this.#now();
    const free = (held: Held) => held.claimedBy === undefined || now - held.claimedAt >= this.#idleMs;
    // Abandoned entries first, as a stream's pending list comes before its new entries.
    const order = [...this.#storage.entries].sort(
      ([, a], [, b]) => Number(a.claimedBy === undefined) - Number(b.claimedBy === undefined),
    );
    const claimed: ClaimedEntry[] = [];
    for (const [receipt, held] of order) {
      if (claimed.length === count) break;
      if (!free(held)) continue;
      const entry = decodeOutboxEntry(held.value);
      if (!entry) {
        this.#storage.entries.delete(receipt);
        continue;
      }
      held.claimedBy = consumer;
      held.claimedAt = now;
      claimed.push({ receipt, entry });
    }
    return claimed;
  }

  async settle(receipt: string): Promise<void> {
    this.#assertOpen();
    this.#storage.entries.delete(receipt);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Adds raw text as an entry, as a bug or another program could. For tests. */
  appendRaw(value: string): void {
    this.#storage.sequence += 1;
    this.#storage.entries.set(String(this.#storage.sequence), { value, claimedAt: 0 });
  }

  #assertOpen(): void {
    if (this.#closed) throw new UnavailableError('outbox is closed');
  }
}
