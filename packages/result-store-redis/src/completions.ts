import { UnavailableError, decodeRecord, isTerminal, type ResultRecord } from '@visionq/core';
import type { Redis } from 'ioredis';
import { reconnectBackoff } from './client.js';
import { whenReady } from './connection.js';
import type { KeyLayout } from './keys.js';

type Wake = (record: ResultRecord) => void;

interface Channel {
  wakers: Set<Wake>;
  subscribed: Promise<unknown>;
}

/** Channels per SUBSCRIBE and keys per MGET when catching up after a reconnect. */
const BATCH = 500;

/**
 * Completion notices for one store: one subscriber connection, made on first use and shared by every waiter,
 * subscribed to the `done` channel of each task someone waits for (and only while someone does).
 *
 * After the subscriber reconnects it subscribes again to every channel still wanted, then reads those tasks'
 * records, so that a task that ended while it was away still wakes its waiters.
 */
export class CompletionListener {
  readonly #client: Redis;
  readonly #keys: KeyLayout;
  readonly #channels = new Map<string, Channel>();
  #subscriber: Redis | undefined;
  #closed = false;

  constructor(client: Redis, keys: KeyLayout) {
    this.#client = client;
    this.#keys = keys;
  }

  /** Number of tasks being listened for (for tests and metrics). */
  get size(): number {
    return this.#channels.size;
  }

  /**
   * Calls `wake` when `taskId` ends. Resolves once the subscription is in place, so that anything the caller
   * reads afterwards is at least as old as the notices it will get; returns the function that stops listening.
   */
  async listen(taskId: string, wake: Wake): Promise<() => void> {
    // A waitFor that started before close() may get here after it: it must not open a new subscriber.
    if (this.#closed) throw new UnavailableError('store is closed');
    const subscriber = this.#connect();
    let channel = this.#channels.get(taskId);
    if (!channel) {
      const subscribed = whenReady(subscriber).then(() => subscriber.subscribe(this.#keys.done(taskId)));
      channel = { wakers: new Set(), subscribed };
      this.#channels.set(taskId, channel);
    }
    const { wakers, subscribed } = channel;
    wakers.add(wake);
    const stop = () => {
      wakers.delete(wake);
      if (wakers.size > 0 || this.#channels.get(taskId) !== channel) return;
      this.#channels.delete(taskId);
      if (subscriber.status === 'ready')
        subscriber.unsubscribe(this.#keys.done(taskId)).catch(() => undefined);
    };
    try {
      await subscribed;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    this.#client.off('ready', this.#onClientReady);
    if (!subscriber) return;
    if (subscriber.status === 'ready') await subscriber.quit().catch(() => undefined);
    subscriber.disconnect();
  }

  #connect(): Redis {
    if (this.#subscriber) return this.#subscriber;
    const inherited = this.#client.options.retryStrategy;
    const subscriber = this.#client.duplicate({
      // Resubscribing is done here, so that the catch-up read can wait until the server confirmed it.
      autoResubscribe: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // The caller's reconnect schedule, if they chose one; a client made without any still gets a subscriber
      // that comes back after an outage, since waiters depend on it.
      retryStrategy: typeof inherited === 'function' ? inherited : reconnectBackoff(),
      lazyConnect: false,
    });
    // Connection errors surface to callers as UnavailableError from their commands; the event itself only
    // says the same thing again, and an unheard 'error' event would be printed by ioredis.
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) void this.#resubscribe(subscriber);
      connectedBefore = true;
    });
    this.#client.on('ready', this.#onClientReady);
    this.#subscriber = subscriber;
    return subscriber;
  }

  #onMessage(channel: string, message: string): void {
    const taskId = this.#keys.taskOfDone(channel);
    const wanted = taskId === undefined ? undefined : this.#channels.get(taskId);
    if (!taskId || !wanted) return;
    let record: ResultRecord;
    try {
      record = decodeRecord(taskId, message);
    } catch {
      // Only this store's scripts publish here. Anything else is ignored; the waiter still ends at its timeout
      // with the record as it is then.
      return;
    }
    if (isTerminal(record.status)) this.#wake(taskId, record);
  }

  #wake(taskId: string, record: ResultRecord): void {
    for (const wake of this.#channels.get(taskId)?.wakers ?? []) wake(record);
  }

  async #resubscribe(subscriber: Redis): Promise<void> {
    const taskIds = [...this.#channels.keys()];
    try {
      for (let i = 0; i < taskIds.length; i += BATCH) {
        await subscriber.subscribe(...taskIds.slice(i, i + BATCH).map((id) => this.#keys.done(id)));
      }
      // A waiter that left while the subscriptions were renewed leaves a channel nobody listens to.
      const stale = taskIds.filter((id) => !this.#channels.has(id)).map((id) => this.#keys.done(id));
      if (stale.length > 0) await subscriber.unsubscribe(...stale);
    } catch {
      // Lost again, and the next 'ready' starts over; or refused on a live connection, where nothing would
      // ever retry: drop the connection so that it does.
      if (subscriber.status === 'ready') subscriber.disconnect(true);
      return;
    }
    await this.#catchUp();
  }

  // The caller's client may come back after the subscriber did, leaving the catch-up read of #resubscribe
  // undone; reading again when it does costs one MGET per 500 waited tasks.
  readonly #onClientReady = (): void => {
    if (this.#subscriber?.status === 'ready' && this.#channels.size > 0) void this.#catchUp();
  };

  async #catchUp(): Promise<void> {
    const taskIds = [...this.#channels.keys()];
    try {
      for (let i = 0; i < taskIds.length && !this.#closed; i += BATCH) {
        const batch = taskIds.slice(i, i + BATCH);
        const values = await this.#client.mget(...batch.map((id) => this.#keys.task(id)));
        batch.forEach((taskId, j) => {
          const text = values[j];
          if (text) this.#onMessage(this.#keys.done(taskId), text);
        });
      }
    } catch {
      // Not reachable yet: #onClientReady tries again once it is.
    }
  }
}
