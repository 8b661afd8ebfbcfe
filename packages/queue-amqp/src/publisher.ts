import {
  InvalidMessageError,
  QueueFullError,
  TaskMessageSchema,
  UnavailableError,
  type QueuedTask,
} from '@visionq/core';
import type { ConfirmChannel, Message } from 'amqplib';
import type { FailoverConnection } from './failover.js';
import { publishProperties } from './codec.js';
import type { Settings } from './options.js';
import { closeWithin, withTimeout } from './timeout.js';
import { declareTopology } from './topology.js';

/** Publishes on one confirm channel, re-created after the connection or the channel was lost. */
export class Publisher {
  readonly #model: FailoverConnection;
  readonly #settings: Settings;
  readonly #queue: string;
  readonly #timeoutMs: number;
  readonly #connected: () => boolean;
  #channel: Promise<ConfirmChannel> | undefined;
  /** Message ids the broker returned as unroutable; the return always arrives before the confirm. */
  readonly #returned = new Set<string>();

  constructor(model: FailoverConnection, settings: Settings, connected: () => boolean) {
    this.#model = model;
    this.#connected = connected;
    this.#settings = settings;
    this.#queue = settings.queue;
    this.#timeoutMs = settings.timeoutMs;
  }

  async publish(task: QueuedTask): Promise<void> {
    const parsed = TaskMessageSchema.safeParse(task.message);
    if (!parsed.success)
      throw new InvalidMessageError(`invalid task message: ${parsed.error.message}`, { cause: parsed.error });
    if (!(task.image instanceof Uint8Array) || task.image.byteLength === 0)
      throw new InvalidMessageError('a task needs the image bytes');
    const message = parsed.data;
    const image = Buffer.from(task.image.buffer, task.image.byteOffset, task.image.byteLength);
    let abandoned = false;
    const confirmed = (async () => {
      const current = this.#confirmChannel();
      const channel = await current;
      // The caller was already told it failed (and may publish it again): a late send would duplicate it.
      if (abandoned) return;
      await new Promise<void>((resolve, reject) => {
        const settle = (error: unknown) => {
          if (!error) return resolve();
          // Every failed confirm retires its channel, a nack included (see #retire).
          this.#retire(current, channel);
          // A nack, with reject-publish overflow, is the queue at its length limit: nothing was queued. (During a
          // leader change a nack means the same to the caller: not queued, try again shortly.)
          if (error instanceof Error && error.message === 'message nacked')
            return reject(new QueueFullError(`queue ${this.#queue} is at its length limit`));
          reject(error);
        };
        try {
          channel.sendToQueue(this.#queue, image, publishProperties(message), settle);
        } catch (error) {
          // Closed under us before the close event reached us: open a new one next time.
          if (this.#channel === current) this.#channel = undefined;
          reject(error);
        }
      });
    })();
    try {
      // Waits for a connection too, so a short outage costs latency rather than an error.
      await withTimeout(
        confirmed,
        this.#timeoutMs,
        () =>
          new UnavailableError(
            this.#connected()
              ? `RabbitMQ did not confirm the task within ${this.#timeoutMs} ms`
              : `RabbitMQ is unreachable: no connection within ${this.#timeoutMs} ms`,
          ),
      );
    } catch (error) {
      abandoned = true;
      this.#returned.delete(message.taskId);
      if (error instanceof UnavailableError || error instanceof QueueFullError) throw error;
      throw new UnavailableError('RabbitMQ did not take the task', { cause: error });
    }
    if (this.#returned.delete(message.taskId)) {
      // Someone deleted the queue while we stayed connected: declare it again for the next publish.
      void declareTopology(this.#model, this.#settings).catch(() => undefined);
      throw new UnavailableError(`queue ${this.#queue} does not exist: the task was not queued`);
    }
  }

  /**
   * Takes a channel whose publish was nacked out of use. In a cluster, a channel that published while its
   * quorum queue changed leader can go on nacking every publish (seen with RabbitMQ 3.10) while a new channel
   * works at once. It is closed once the publishes still in flight on it are settled.
   */
  #retire(current: Promise<ConfirmChannel>, channel: ConfirmChannel): void {
    if (this.#channel !== current) return;
    this.#channel = undefined;
    void channel
      .waitForConfirms()
      .catch(() => undefined)
      .then(() => closeWithin(channel, this.#timeoutMs));
  }

  #confirmChannel(): Promise<ConfirmChannel> {
    if (this.#channel) return this.#channel;
    const opening = this.#model.createConfirmChannel().then((channel) => {
      // Channel errors also close it; the close handler below is what matters.
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (this.#channel === opening) this.#channel = undefined;
      });
      channel.on('return', (returned: Message) => {
        const id = returned.properties.messageId;
        if (typeof id === 'string') this.#returned.add(id);
      });
      return channel;
    });
    opening.catch(() => {
      if (this.#channel === opening) this.#channel = undefined;
    });
    this.#channel = opening;
    return opening;
  }
}
