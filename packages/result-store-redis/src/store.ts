import { setMaxListeners } from 'node:events';
import {
  ConflictError,
  InvalidRequestError,
  UnavailableError,
  VisionqError,
  cancelledRecord,
  deadlineOutcome,
  decodeRecord,
  encodeRecord,
  isOverdue,
  isTerminal,
  notifiedRecord,
  terminalRecord,
  validatePendingRecord,
  type CreateOutcome,
  type IdempotencyClaim,
  type NotificationStatus,
  type PendingRecord,
  type ResultRecord,
  type ResultStore,
  type TaskOutcome,
} from '@visionq/core';
import type { Redis } from 'ioredis';
import { CompletionListener } from './completions.js';
import { command } from './connection.js';
import { KeyLayout } from './keys.js';
import { normaliseOptions, type NormalisedOptions, type RedisResultStoreOptions } from './options.js';
import { scripts } from './scripts.js';
import { untilFirst } from './until.js';

/** Compare-and-set attempts before giving up: each failed one means another writer made progress. */
const MAX_SWAPS = 50;

interface Stored {
  text: string;
  record: ResultRecord;
}

/** `ResultStore` on Redis. See the package README for the key layout and the reconnect behaviour. */
export class RedisResultStore implements ResultStore {
  readonly #options: NormalisedOptions;
  readonly #client: Redis;
  readonly #keys: KeyLayout;
  readonly #completions: CompletionListener;
  readonly #closing = new AbortController();

  constructor(options: RedisResultStoreOptions) {
    this.#options = normaliseOptions(options);
    this.#client = this.#options.client;
    this.#keys = new KeyLayout(this.#options.keyPrefix);
    this.#completions = new CompletionListener(this.#client, this.#keys);
    // Every waitFor listens to this signal; thousands at once are expected, not a leak.
    setMaxListeners(0, this.#closing.signal);
  }

  /** Tasks that some `waitFor` of this store is waiting on now. */
  get waitingTasks(): number {
    return this.#completions.size;
  }

  async create(
    record: PendingRecord,
    options: { idempotency?: IdempotencyClaim } = {},
  ): Promise<CreateOutcome> {
    this.#assertOpen();
    const valid = validatePendingRecord(record);
    const claim = options.idempotency;
    if (claim && (typeof claim.key !== 'string' || typeof claim.fingerprint !== 'string'))
      throw new InvalidRequestError('idempotency claim needs a string key and fingerprint');
    const taskId = valid.task_id;
    const reply = (await this.#command(() =>
      scripts.create.run(
        this.#client,
        [
          this.#keys.task(taskId),
          claim ? this.#keys.claim(valid.owner, claim.key) : '',
          this.#keys.claimedBy(taskId),
        ],
        [
          encodeRecord(valid),
          this.#options.pendingTtlMs,
          taskId,
          claim?.fingerprint ?? '',
          this.#keys.task(''),
        ],
      ),
    )) as [string, string?, string?, string?];
    const [verdict, otherId = '', otherText = '', fingerprint] = reply;
    if (verdict === 'conflict') throw new ConflictError(`task ${taskId} already exists`);
    if (verdict === 'claimed')
      return {
        created: false,
        record: decodeRecord(otherId, otherText),
        sameRequest: fingerprint === claim?.fingerprint,
      };
    return { created: true, record: valid };
  }

  async markProcessing(taskId: string): Promise<ResultRecord | undefined> {
    return this.#update(taskId, (current) => {
      if (!current || current.status !== 'queued') return undefined;
      const next: ResultRecord = { ...current, status: 'processing', updated_at: new Date().toISOString() };
      return { next, ttlMs: this.#options.pendingTtlMs, publish: false };
    });
  }

  async complete(taskId: string, owner: string, outcome: TaskOutcome): Promise<ResultRecord> {
    const stored = await this.#update(taskId, (current) => {
      if (current && isTerminal(current.status)) return undefined;
      return {
        next: buildTerminal(taskId, owner, current, outcome),
        ttlMs: this.#options.resultTtlMs,
        publish: true,
      };
    });
    // #update returns undefined only when there is no record and none was written, which complete never does.
    if (!stored) throw new UnavailableError(`task ${taskId} could not be completed`);
    return stored;
  }

  async cancel(taskId: string): Promise<ResultRecord | undefined> {
    const before = await this.get(taskId);
    if (!before) return undefined;
    if (!isTerminal(before.status)) {
      const after = await this.#update(taskId, (current) => {
        if (!current || isTerminal(current.status)) return undefined;
        // Kept as long as a pending record: the message may still wait in the queue all that time.
        return { next: cancelledRecord(current), ttlMs: this.#options.pendingTtlMs, publish: true };
      });
      if (!after || after.status === 'cancelled') return before;
      // It ended in between: the owner asked for it to be gone, so it goes.
    }
    await this.delete(taskId);
    return before;
  }

  async recordNotification(taskId: string, status: NotificationStatus): Promise<ResultRecord | undefined> {
    return this.#update(taskId, (current) => {
      const next = notifiedRecord(current, status);
      return next && { next, ttlMs: 'keep', publish: false };
    });
  }

  async get(taskId: string): Promise<ResultRecord | undefined> {
    // An update that changes nothing, unless the task outlived its deadline.
    return this.#update(taskId, () => undefined);
  }

  async waitFor(taskId: string, timeoutMs: number, signal?: AbortSignal): Promise<ResultRecord | undefined> {
    this.#assertOpen();
    let wake!: (record: ResultRecord) => void;
    const completed = new Promise<ResultRecord>((resolve) => (wake = resolve));
    const stop = await this.#command(() => this.#completions.listen(taskId, wake));
    try {
      // Read only once subscribed: a completion landing in between is then either read here or heard.
      const current = await this.get(taskId);
      if (!current || isTerminal(current.status) || !(timeoutMs > 0) || signal?.aborted) return current;
      // The deadline ends the task even with nobody else reading it: wake for it, and the read below ends it.
      const { taskDeadlineMs } = this.#options;
      const untilDeadline =
        taskDeadlineMs === undefined
          ? timeoutMs
          : Date.parse(current.created_at) + taskDeadlineMs - Date.now();
      const wakeAt = Date.now() + Math.max(0, Math.min(timeoutMs, untilDeadline));
      const signals = [signal, this.#closing.signal];
      let winner = await untilFirst(completed, wakeAt - Date.now(), signals);
      // Timers count on the event loop's millisecond clock, the deadline on the wall clock's: a timer can fire a
      // millisecond before the deadline it waited for, which then reads as not passed. Wait out what is left.
      for (let again = 0; winner === undefined && again < 3 && !signals.some((s) => s?.aborted); again++) {
        const left = wakeAt - Date.now();
        if (left <= 0) break;
        winner = await untilFirst(completed, left + 1, signals);
      }
      this.#assertOpen();
      return winner ?? (await this.get(taskId));
    } finally {
      stop();
    }
  }

  async delete(taskId: string): Promise<void> {
    this.#assertOpen();
    await this.#command(() =>
      scripts.delete.run(this.#client, [this.#keys.task(taskId), this.#keys.claimedBy(taskId)], [taskId]),
    );
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#command(() => this.#client.ping());
  }

  /** Stops every `waitFor` of this store (they reject with `UnavailableError`) and closes its subscriber. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await this.#completions.close();
  }

  async #read(taskId: string): Promise<Stored | undefined> {
    this.#assertOpen();
    const text = await this.#command(() => this.#client.get(this.#keys.task(taskId)));
    return text === null ? undefined : { text, record: decodeRecord(taskId, text) };
  }

  /**
   * Reads the record, lets `change` decide what it becomes, and writes that only if nobody wrote in between
   * (else reads again). Returns the record as stored afterwards. A task past its deadline is ended
   * `deadline_exceeded` instead, whatever `change` wanted: a late result cannot replace that.
   */
  async #update(
    taskId: string,
    change: (
      current: ResultRecord | undefined,
    ) => { next: ResultRecord; ttlMs: number | 'keep'; publish: boolean } | undefined,
  ): Promise<ResultRecord | undefined> {
    for (let attempt = 0; attempt < MAX_SWAPS; attempt++) {
      const current = await this.#read(taskId);
      const decided = this.#deadline(taskId, current?.record) ?? change(current?.record);
      if (!decided) return current?.record;
      const text = encodeRecord(decided.next);
      const written = await this.#command(() =>
        scripts.swap.run(
          this.#client,
          [this.#keys.task(taskId), this.#keys.claimedBy(taskId)],
          [
            current ? '1' : '0',
            current?.text ?? '',
            text,
            decided.ttlMs,
            taskId,
            decided.publish ? this.#keys.done(taskId) : '',
          ],
        ),
      );
      if (written === 1) return decodeRecord(taskId, text);
    }
    throw new UnavailableError(`task ${taskId} kept changing under ${MAX_SWAPS} attempts to update it`);
  }

  #deadline(taskId: string, current: ResultRecord | undefined) {
    const { taskDeadlineMs } = this.#options;
    if (!current || taskDeadlineMs === undefined || !isOverdue(current, taskDeadlineMs, Date.now()))
      return undefined;
    const next = buildTerminal(taskId, current.owner, current, deadlineOutcome(taskDeadlineMs));
    return { next, ttlMs: this.#options.resultTtlMs, publish: true };
  }

  #command<T>(run: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    return command(this.#client, run);
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted) throw new UnavailableError('store is closed');
  }
}

/** core's `terminalRecord`, with a task id or owner that fails the schema reported as a typed error. */
function buildTerminal(
  taskId: string,
  owner: string,
  current: ResultRecord | undefined,
  outcome: TaskOutcome,
): ResultRecord {
  try {
    return terminalRecord(taskId, owner, current, outcome);
  } catch (error) {
    if (error instanceof VisionqError) throw error;
    throw new InvalidRequestError('invalid task id or owner for a completion', { cause: error });
  }
}

/** Creates a `ResultStore` on the caller's ioredis client. */
export function createRedisResultStore(options: RedisResultStoreOptions): RedisResultStore {
  return new RedisResultStore(options);
}
