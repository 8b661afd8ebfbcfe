import {
  InvalidRequestError,
  UnavailableError,
  type ConsumeOptions,
  type Consumption,
  type DeadLetterHandler,
  type QueuedTask,
  type TaskHandler,
  type TaskQueue,
} from '@visionq/core';
import type { ChannelModel, Replies } from 'amqplib';
import type { FailoverConnection } from './failover.js';
import { Consumer } from './consumer.js';
import type { Settings } from './options.js';
import { Publisher } from './publisher.js';
import { closeWithin, withTimeout } from './timeout.js';

/** Test hook: drops the client as a crashed process would. Not part of the public API. */
export const crash = Symbol('crash');

/** `TaskQueue` on RabbitMQ. Made by `createAmqpTaskQueue`, which connects before it resolves. */
export class AmqpTaskQueue implements TaskQueue {
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly #settings: Settings;
  readonly #model: FailoverConnection;
  readonly #publisher: Publisher;
  readonly #consumers = new Set<Consumer>();
  readonly #publishing = new Set<Promise<void>>();
  /** The live connection, kept from the failover connection's events: `undefined` while disconnected. */
  #connection: ChannelModel | undefined;
  #blocked = false;
  #closing: Promise<void> | undefined;

  /** @internal Use `createAmqpTaskQueue`. */
  constructor(settings: Settings, model: FailoverConnection) {
    this.#settings = settings;
    this.#model = model;
    this.queue = settings.queue;
    this.deadLetterQueue = settings.deadLetterQueue;
    this.#publisher = new Publisher(model, settings, () => this.#connection !== undefined);
    const { logger } = settings;
    let lost = false;
    model.on('connect', (connection: ChannelModel) => {
      this.#connection = connection;
      if (lost) logger.info({ queue: this.queue }, 'reconnected to RabbitMQ');
    });
    model.on('disconnect', (error: Error) => {
      lost = true;
      this.#connection = undefined;
      this.#blocked = false;
      logger.warn({ queue: this.queue, err: error.message }, 'lost the connection to RabbitMQ');
    });
    model.on('reconnect-scheduled', (info: { attempt: number; delay: number; error: Error }) =>
      logger.warn(
        { queue: this.queue, attempt: info.attempt, delay_ms: info.delay, err: info.error.message },
        'reconnecting to RabbitMQ',
      ),
    );
    model.on('blocked', () => (this.#blocked = true));
    model.on('unblocked', () => (this.#blocked = false));
    // Connection errors are followed by 'disconnect', which is what we act on.
    model.on('error', () => undefined);
  }

  get #closed(): boolean {
    return this.#closing !== undefined;
  }

  async publish(task: QueuedTask): Promise<void> {
    if (this.#closed) throw new UnavailableError('queue client is closed');
    // A resource alarm blocks publishers until it clears; answering now beats waiting for the timeout.
    if (this.#blocked) throw new UnavailableError('RabbitMQ is refusing publishes (resource alarm)');
    const publishing = this.#publisher.publish(task);
    this.#publishing.add(publishing);
    try {
      await publishing;
    } finally {
      this.#publishing.delete(publishing);
    }
  }

  async consume(handler: TaskHandler, options: ConsumeOptions): Promise<Consumption> {
    if (this.#closed) throw new UnavailableError('queue client is closed');
    if (typeof handler !== 'function') throw new InvalidRequestError('handler must be a function');
    return this.#consume({ tasks: handler }, options);
  }

  async consumeDeadLetters(handler: DeadLetterHandler, options: ConsumeOptions): Promise<Consumption> {
    if (this.#closed) throw new UnavailableError('queue client is closed');
    if (typeof handler !== 'function') throw new InvalidRequestError('handler must be a function');
    return this.#consume({ deadLetters: handler }, options);
  }

  /** Messages ready in the task queue. One passive `queue.declare`, as `ping()`. */
  async depth(): Promise<number> {
    return (await this.#check(this.queue)).messageCount;
  }

  async #consume(
    handler: ConstructorParameters<typeof Consumer>[1],
    options: ConsumeOptions,
  ): Promise<Consumption> {
    const prefetch = options?.prefetch;
    // AMQP carries prefetch counts as 16-bit numbers; 0 would mean unbounded.
    if (typeof prefetch !== 'number' || !Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65_535)
      throw new InvalidRequestError('prefetch must be an integer from 1 to 65535');
    const consumer = new Consumer(this.#model, handler, prefetch, this.#settings);
    this.#consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      this.#consumers.delete(consumer);
      throw error;
    }
    return {
      stop: async () => {
        await consumer.stop();
        this.#consumers.delete(consumer);
      },
    };
  }

  async ping(): Promise<void> {
    await this.#check(this.queue);
  }

  /**
   * Messages waiting in the dead-letter queue: every dead letter, including those RabbitMQ dead-lettered itself
   * at the delivery limit, which no consumer sees. One `queue.declare` (passive) on a throwaway channel; rejects
   * with `UnavailableError` while disconnected or when RabbitMQ does not answer within `timeoutMs`.
   */
  async deadLetterCount(): Promise<number> {
    return (await this.#check(this.deadLetterQueue)).messageCount;
  }

  async #check(queue: string): Promise<Replies.AssertQueue> {
    if (this.#closed) throw new UnavailableError('queue client is closed');
    const connection = this.#connection;
    if (!connection) throw new UnavailableError('not connected to RabbitMQ');
    const check = (async () => {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        return await channel.checkQueue(queue);
      } finally {
        await closeWithin(channel, this.#settings.timeoutMs);
      }
    })();
    try {
      return await withTimeout(check, this.#settings.timeoutMs, () => new Error('timed out'));
    } catch (cause) {
      throw new UnavailableError(`RabbitMQ did not answer for queue ${queue}`, { cause });
    }
  }

  /** Stops every consumer (their in-flight handlers finish and are acknowledged), then disconnects. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#consumers].map((consumer) => consumer.stop()));
      await Promise.allSettled([...this.#publishing]);
      // Closing the connection closes its channels; it also fails whatever still waits for a reconnect.
      await closeWithin(this.#model, this.#settings.timeoutMs);
    })();
    return this.#closing;
  }

  [crash](): void {
    this.#closing ??= Promise.resolve();
    for (const consumer of this.#consumers) consumer.abandon();
    const socket = (this.#connection?.connection as { stream?: { destroy(): void } } | undefined)?.stream;
    socket?.destroy();
    void this.#model.close().catch(() => undefined);
  }
}
