import {
  InvalidRequestError,
  OutboxEntrySchema,
  UnavailableError,
  decodeOutboxEntry,
  type ClaimedEntry,
  type NotificationOutbox,
  type OutboxEntry,
} from '@visionq/core';
import type { Redis } from 'ioredis';
import { command } from './connection.js';

export interface RedisNotificationOutboxOptions {
  /**
   * The ioredis client to use, as for the store (the caller owns it; one from `createRedisSentinelClient` follows
   * failovers). The outbox never blocks it: claims return at once.
   */
  client: Redis;
  /** Prefix of its key, `<prefix>notify:outbox`. Default `visionq:`. */
  keyPrefix?: string;
  /**
   * An entry claimed and not settled this long is offered again, in milliseconds: longer than a notifier may
   * take to deliver one (its retry time), or a slow delivery is sent twice. Default 120000.
   */
  idleMs?: number;
  /** Most entries kept (exact `MAXLEN`); appending past it drops the oldest. Default 100000. */
  maxLength?: number;
}

/** The consumer group every worker reads the stream in. */
const GROUP = 'notifiers';
const FIELD = 'entry';

type StreamEntry = [id: string, fields: string[] | null];

/**
 * `NotificationOutbox` on a Redis stream: `XADD` appends (with `MAXLEN`), one consumer group shares the entries
 * out (`XREADGROUP`), `XAUTOCLAIM` hands over those a dead consumer left idle, and `XACK` + `XDEL` settle.
 */
export class RedisNotificationOutbox implements NotificationOutbox {
  readonly #client: Redis;
  readonly #key: string;
  readonly #idleMs: number;
  readonly #maxLength: number;
  /** Where the next `XAUTOCLAIM` scan of the pending list starts; it wraps round to the start. */
  #cursor = '0-0';
  #group: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisNotificationOutboxOptions) {
    const { client, keyPrefix = 'visionq:', idleMs = 120_000, maxLength = 100_000 } = options ?? {};
    if (!client || typeof client !== 'object' || typeof client.xadd !== 'function')
      throw new InvalidRequestError(
        'createRedisNotificationOutbox: `client` (an ioredis client) is required',
      );
    for (const [name, value] of Object.entries({ idleMs, maxLength }))
      if (!Number.isSafeInteger(value) || value <= 0)
        throw new InvalidRequestError(
          `createRedisNotificationOutbox: \`${name}\` must be a positive integer`,
        );
    this.#client = client;
    this.#key = `${keyPrefix}notify:outbox`;
    this.#idleMs = idleMs;
    this.#maxLength = maxLength;
  }

  async append(entry: OutboxEntry): Promise<void> {
    this.#assertOpen();
    const parsed = OutboxEntrySchema.safeParse(entry);
    if (!parsed.success)
      throw new InvalidRequestError('outbox entry fails the schema', { cause: parsed.error });
    await this.#appendText(JSON.stringify(parsed.data));
  }

  async claim(consumer: string, count: number): Promise<ClaimedEntry[]> {
    this.#assertOpen();
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidRequestError('claim count must be a positive integer');
    return this.#withGroup(async () => {
      const [next, abandoned] = (await this.#client.xautoclaim(
        this.#key,
        GROUP,
        consumer,
        this.#idleMs,
        this.#cursor,
        'COUNT',
        count,
      )) as [string, StreamEntry[], string[]?];
      this.#cursor = next;
      const fresh =
        abandoned.length < count
          ? ((await this.#client.xreadgroup(
              'GROUP',
              GROUP,
              consumer,
              'COUNT',
              count - abandoned.length,
              'STREAMS',
              this.#key,
              '>',
            )) as [string, StreamEntry[]][] | null)
          : null;
      return this.#decode([...abandoned, ...(fresh?.[0]?.[1] ?? [])]);
    });
  }

  async settle(receipt: string): Promise<void> {
    this.#assertOpen();
    await this.#command(() =>
      this.#client.multi().xack(this.#key, GROUP, receipt).xdel(this.#key, receipt).exec(),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Adds raw text as an entry, skipping validation, as a bug or another program could. For tests. */
  async appendRaw(text: string): Promise<void> {
    await this.#appendText(text);
  }

  async #appendText(text: string): Promise<void> {
    await this.#command(() => this.#client.xadd(this.#key, 'MAXLEN', '=', this.#maxLength, '*', FIELD, text));
  }

  /** Entries that fail the schema are settled at once: nobody could ever send them. */
  async #decode(entries: StreamEntry[]): Promise<ClaimedEntry[]> {
    const claimed: ClaimedEntry[] = [];
    for (const [receipt, fields] of entries) {
      const entry = decodeOutboxEntry(fields?.[fields.indexOf(FIELD) + 1]);
      if (entry) claimed.push({ receipt, entry });
      else await this.settle(receipt);
    }
    return claimed;
  }

  /** Runs `read`, creating the group first when the stream or group is missing (a fresh or flushed server). */
  async #withGroup<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await this.#command(read);
    } catch (error) {
      const cause = (error as Error).cause as Error | undefined;
      if (!String(cause?.message).startsWith('NOGROUP')) throw error;
      this.#group ??= this.#command(async () => {
        try {
          await this.#client.xgroup('CREATE', this.#key, GROUP, '0', 'MKSTREAM');
        } catch (created) {
          // Another client created it first.
          if (!String((created as Error)?.message).startsWith('BUSYGROUP')) throw created;
        }
      }).finally(() => (this.#group = undefined));
      await this.#group;
      return await this.#command(read);
    }
  }

  #command<T>(run: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    return command(this.#client, run);
  }

  #assertOpen(): void {
    if (this.#closed) throw new UnavailableError('outbox is closed');
  }
}

/** Creates a `NotificationOutbox` on the caller's ioredis client. */
export function createRedisNotificationOutbox(
  options: RedisNotificationOutboxOptions,
): RedisNotificationOutbox {
  return new RedisNotificationOutbox(options);
}
