import {
  TaskMessageSchema,
  UnavailableError,
  isTransient,
  type DeadLetter,
  type DeadLetterHandler,
  type TaskMessage,
  toVisionqError,
  type Consumption,
  type DeliveredTask,
  type TaskHandler,
} from '@visionq/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { FailoverConnection } from './failover.js';
import { ExponentialBackoff, halfJitterGenerator, handleAll, retry, type RetryPolicy } from 'cockatiel';
import { decodeDelivery, messageMetadata } from './codec.js';
import type { DeadLetteredInfo } from './events.js';
import type { Settings } from './options.js';
import { declareTopology } from './topology.js';
import { closeWithin, withTimeout } from './timeout.js';

type Outcome = 'ack' | 'requeue' | 'dead-letter';

/**
 * One `consume()` call: its own channel with its own prefetch, subscribed again (with backoff) whenever the
 * channel or the connection is lost. Every message is settled on the channel it came on; if that channel has
 * died, the broker has already put the message back, so there is nothing left to do.
 */
export class Consumer implements Consumption {
  readonly #model: FailoverConnection;
  readonly #handler: TaskHandler | undefined;
  readonly #feed: DeadLetterHandler | undefined;
  /** The task queue, or the dead-letter feed for a dead-letter consumer. */
  readonly #queue: string;
  readonly #prefetch: number;
  readonly #settings: Settings;
  readonly #resubscribe: RetryPolicy;
  readonly #abort = new AbortController();
  #channel: Channel | undefined;
  #consumerTag: string | undefined;
  #subscribing: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  /** Wakes handlers waiting out a requeue delay, so that stopping is not held up by them. */
  readonly #wake = new Set<() => void>();

  constructor(
    model: FailoverConnection,
    handler: { tasks: TaskHandler } | { deadLetters: DeadLetterHandler },
    prefetch: number,
    settings: Settings,
  ) {
    this.#model = model;
    this.#handler = 'tasks' in handler ? handler.tasks : undefined;
    this.#feed = 'deadLetters' in handler ? handler.deadLetters : undefined;
    this.#queue = this.#feed ? settings.deadLetterFeed : settings.queue;
    this.#prefetch = prefetch;
    this.#settings = settings;
    this.#resubscribe = retry(handleAll, {
      maxAttempts: Number.POSITIVE_INFINITY,
      backoff: new ExponentialBackoff({
        initialDelay: settings.reconnect.initialDelayMs,
        maxDelay: settings.reconnect.maxDelayMs,
        generator: halfJitterGenerator,
      }),
    });
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Subscribes for the first time; rejects with `UnavailableError` if that takes longer than the timeout. */
  async start(): Promise<void> {
    try {
      await withTimeout(
        this.#subscribe(),
        this.#settings.timeoutMs,
        () => new UnavailableError(`could not subscribe to ${this.#queue} in time`),
      );
    } catch (error) {
      this.#abandon();
      throw error instanceof UnavailableError
        ? error
        : new UnavailableError(`could not subscribe to ${this.#queue}`, { cause: error });
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#drain();
    return this.#stopping;
  }

  /** A crashed process settles nothing and drains nothing: the broker requeues what it had. */
  abandon(): void {
    this.#abandon();
  }

  #abandon(): void {
    this.#abort.abort();
    this.#channel = undefined;
  }

  async #drain(): Promise<void> {
    this.#abort.abort();
    for (const wake of this.#wake) wake();
    const channel = this.#channel;
    const tag = this.#consumerTag;
    if (channel && tag) {
      await withTimeout(
        channel.cancel(tag),
        this.#settings.timeoutMs,
        () => new Error('cancel timed out'),
      ).catch(() => undefined);
    }
    await Promise.allSettled([...this.#inFlight]);
    this.#channel = undefined;
    if (channel) await closeWithin(channel, this.#settings.timeoutMs);
  }

  #subscribe(): Promise<void> {
    this.#subscribing ??= this.#resubscribe
      .execute(() => this.#subscribeOnce(), this.#abort.signal)
      .finally(() => {
        this.#subscribing = undefined;
      });
    return this.#subscribing;
  }

  async #subscribeOnce(): Promise<void> {
    if (this.#stopped) return;
    // Cheap and idempotent; brings the queue back if it was deleted while the connection stayed up.
    // Waits for the connection when there is none: the failover connection brings it back.
    await declareTopology(this.#model, this.#settings);
    const channel = await this.#model.createChannel();
    channel.on('error', (error: Error) =>
      this.#settings.logger.warn(
        { err: error.message, queue: this.#settings.queue },
        'consumer channel error',
      ),
    );
    channel.once('close', () => this.#channelClosed(channel));
    this.#channel = channel;
    try {
      await channel.prefetch(this.#prefetch);
      const { consumerTag } = await channel.consume(this.#queue, (m) => this.#receive(channel, m), {
        noAck: false,
      });
      this.#consumerTag = consumerTag;
    } catch (error) {
      await closeWithin(channel, this.#settings.timeoutMs);
      throw error;
    }
    if (this.#channel !== channel) throw new Error('channel closed while subscribing');
    if (this.#stopped) await closeWithin(channel, this.#settings.timeoutMs);
  }

  #channelClosed(channel: Channel): void {
    if (this.#channel !== channel) return;
    this.#channel = undefined;
    for (const wake of this.#wake) wake();
    if (this.#stopped || this.#subscribing) return;
    this.#settings.logger.warn(
      { queue: this.#settings.queue },
      'consumer lost its channel; subscribing again',
    );
    void this.#subscribe().catch(() => undefined);
  }

  #receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (the queue was deleted): closing the channel subscribes again.
      void closeWithin(channel, this.#settings.timeoutMs);
      return;
    }
    if (this.#stopped) {
      // Arrived between stop() and the broker's cancel-ok: give it straight back.
      settle(channel, message, 'requeue');
      return;
    }
    if (this.#feed) {
      this.#track(this.#handleLetter(channel, message, this.#feed));
      return;
    }
    const decoded = decodeDelivery(message);
    if (!decoded.ok) {
      this.#settings.logger.warn(
        {
          queue: this.#settings.queue,
          task_id: message.properties.messageId,
          reason: decoded.reason,
          err: decoded.error.message,
        },
        'dead-lettering a task message that fails the schema',
      );
      if (settle(channel, message, 'dead-letter'))
        this.#deadLettered(message, { reason: decoded.reason, message: decoded.error.message });
      return;
    }
    this.#track(this.#handle(channel, message, decoded.task));
  }

  #track(run: Promise<void>): void {
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }

  /**
   * A dead letter's copy: handed over when it names a task, acknowledged either way once handled (the
   * dead-letter queue keeps the original for inspection), handed back after a pause when the handler fails.
   */
  async #handleLetter(channel: Channel, message: ConsumeMessage, handler: DeadLetterHandler): Promise<void> {
    const named = LetterSchema.safeParse(messageMetadata(message.properties));
    if (named.success) {
      try {
        await handler(toDeadLetter(named.data));
      } catch {
        await this.#pause(this.#requeueDelay(message.fields.redelivered ? 2 : 1));
        settle(channel, message, 'requeue');
        return;
      }
    }
    settle(channel, message, 'ack');
  }

  async #handle(channel: Channel, message: ConsumeMessage, task: DeliveredTask): Promise<void> {
    try {
      await (this.#handler as TaskHandler)(task);
    } catch (error) {
      if (!isTransient(error)) {
        // Only a `VisionqError` can be permanent; typing it only narrows the type.
        const { code, message: reason } = toVisionqError(error);
        this.#settings.logger.warn(
          { queue: this.#settings.queue, task_id: task.message.taskId, code, err: reason },
          'dead-lettering a task whose handler failed for good',
        );
        if (settle(channel, message, 'dead-letter'))
          this.#deadLettered(message, { reason: 'permanent_error', message: reason, code });
        return;
      }
      await this.#pause(this.#requeueDelay(task.deliveryCount));
      settle(channel, message, 'requeue');
      return;
    }
    settle(channel, message, 'ack');
  }

  #deadLettered(message: ConsumeMessage, info: Omit<DeadLetteredInfo, 'queue' | 'taskId'>): void {
    const observer = this.#settings.events.deadLettered;
    if (!observer) return;
    const taskId = message.properties.messageId;
    try {
      observer.call(this.#settings.events, {
        queue: this.#settings.queue,
        ...(typeof taskId === 'string' && { taskId }),
        ...info,
      });
    } catch (error) {
      // An observer's bug must not take the consumer down with it.
      this.#settings.logger.warn(
        { queue: this.#settings.queue, err: error instanceof Error ? error.message : String(error) },
        'events.deadLettered threw',
      );
    }
  }

  /** Holds a failed message (and its prefetch slot) for a while, so a failing dependency is not a hot loop. */
  #pause(ms: number): Promise<void> {
    if (this.#stopped || ms === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wake.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wake.add(wake);
    });
  }

  #requeueDelay(deliveryCount: number): number {
    const { initialDelayMs, maxDelayMs } = this.#settings.requeueDelay;
    // Half jitter: spread out, yet never much shorter than the configured delay.
    let backoff = new ExponentialBackoff({
      initialDelay: initialDelayMs,
      maxDelay: maxDelayMs,
      generator: halfJitterGenerator,
    }).next();
    for (let n = 1; n < deliveryCount && backoff.duration < maxDelayMs; n += 1)
      backoff = backoff.next(undefined);
    return Math.min(backoff.duration, maxDelayMs);
  }
}

/** What a feed handler needs is only taskId and owner, but it gets them from messages the task queue could read. */
const LetterSchema = TaskMessageSchema;

/** The part of a dead letter's metadata that its handler gets. */
function toDeadLetter(message: TaskMessage): DeadLetter {
  const { taskId, owner, notify, language } = message;
  return { taskId, owner, ...(notify && { notify }), ...(language && { language }) };
}

/** Settles a delivery; `false` when its channel is gone, and with it the delivery (the broker requeued it). */
function settle(channel: Channel, message: ConsumeMessage, outcome: Outcome): boolean {
  try {
    if (outcome === 'ack') channel.ack(message);
    else channel.nack(message, false, outcome === 'requeue');
    return true;
  } catch {
    return false;
  }
}
