import type { BufferHolder } from '../buffer-holder.js';
import { InvalidMessageError, InvalidRequestError, QueueFullError, UnavailableError } from '../errors.js';
import { isTransient } from '../failure.js';
import { TaskMessageSchema } from '../schemas.js';
import type {
  ConsumeOptions,
  Consumption,
  DeadLetter,
  DeadLetterHandler,
  DeliveredTask,
  QueuedTask,
  TaskHandler,
  TaskQueue,
} from '../ports.js';

interface Envelope {
  message: unknown;
  image: Uint8Array;
  /** Times this message was handed out and returned (RabbitMQ's x-delivery-count). */
  returns: number;
  /** Lets go of the publisher's buffer, once the message is acknowledged or dead-lettered. */
  release?: (() => void) | undefined;
}

interface QueueState {
  ready: Envelope[];
  deadLettered: Envelope[];
  consumers: ConsumerState[];
  nextConsumer: number;
  /** Redeliveries allowed after the first delivery, fixed by whoever declared the queue first. */
  deliveryLimit: number;
  /** Most messages waiting for a consumer; a publish beyond it is refused. Fixed like `deliveryLimit`. */
  maxLength: number;
  /** Dead letters not yet handed to a dead-letter consumer. */
  feed: DeadLetter[];
  feedConsumers: FeedConsumer[];
}

interface FeedConsumer {
  handler: DeadLetterHandler;
  prefetch: number;
  inFlight: number;
  stopped: boolean;
  settled: Set<Promise<void>>;
}

interface ConsumerState {
  handler: TaskHandler;
  prefetch: number;
  inFlight: Set<Envelope>;
  stopped: boolean;
  settled: Set<Promise<void>>;
}

/**
 * The broker that in-memory queues connect to. Several `InMemoryTaskQueue`s on one broker behave like several
 * connections to one RabbitMQ: they share queues, and a crashed one's unacknowledged messages are redelivered.
 */
export class InMemoryBroker {
  readonly #queues = new Map<string, QueueState>();

  state(name: string, deliveryLimit = DEFAULT_DELIVERY_LIMIT, maxLength = Infinity): QueueState {
    let state = this.#queues.get(name);
    if (!state) {
      state = {
        ready: [],
        deadLettered: [],
        consumers: [],
        nextConsumer: 0,
        deliveryLimit,
        maxLength,
        feed: [],
        feedConsumers: [],
      };
      this.#queues.set(name, state);
    }
    return state;
  }

  /** Metadata of dead-lettered messages, oldest first (unvalidated: poison messages are kept as they came). */
  deadLettered(name: string): unknown[] {
    return this.state(name).deadLettered.map((envelope) => envelope.message);
  }

  /** Messages waiting for a consumer. */
  depth(name: string): number {
    return this.state(name).ready.length;
  }

  /** Enqueues a message as it is, skipping validation, as a foreign producer could. */
  publishRaw(name: string, message: unknown, image: Uint8Array): void {
    this.state(name).ready.push({ message, image, returns: 0 });
    pump(this.state(name));
  }
}

const DEFAULT_DELIVERY_LIMIT = 5;

export interface InMemoryTaskQueueOptions {
  broker?: InMemoryBroker;
  queue?: string;
  /** Redeliveries allowed after the first delivery before a message is dead-lettered. Default 5. */
  deliveryLimit?: number;
  /** Most messages waiting for a consumer; `publish` beyond it rejects with `QueueFullError`. Default none. */
  maxLength?: number;
  /**
   * Keep a copy of each published image (default), so that the publisher may reuse its buffer once `publish`
   * resolved, as with a real broker. `false` keeps the publisher's buffer itself: for a publisher that never
   * touches an image again (the API), it saves a copy and its garbage collection per upload.
   */
  copyImages?: boolean;
  /**
   * With `copyImages: false`: retains each published image here and releases it once its message is
   * acknowledged or dead-lettered, so that a publisher's pooled buffer is not reused while the task waits.
   */
  imageHolder?: BufferHolder;
}

/** `TaskQueue` in process memory: for tests and the embedded all-in-one mode. Nothing survives a restart. */
export class InMemoryTaskQueue implements TaskQueue {
  readonly broker: InMemoryBroker;
  readonly queue: string;
  readonly deliveryLimit: number;
  readonly #copyImages: boolean;
  readonly #imageHolder: BufferHolder | undefined;
  #closed = false;
  readonly #consumers = new Set<ConsumerState>();
  readonly #feedConsumers = new Set<FeedConsumer>();

  constructor(options: InMemoryTaskQueueOptions = {}) {
    this.broker = options.broker ?? new InMemoryBroker();
    this.queue = options.queue ?? 'visionq.tasks';
    this.deliveryLimit = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
    this.#copyImages = options.copyImages ?? true;
    this.#imageHolder = this.#copyImages ? undefined : options.imageHolder;
    const { maxLength } = options;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 0))
      throw new InvalidRequestError('maxLength must be a non-negative integer');
    this.broker.state(this.queue, this.deliveryLimit, maxLength);
  }

  async publish(task: QueuedTask): Promise<void> {
    this.#assertOpen();
    const parsed = TaskMessageSchema.safeParse(task.message);
    if (!parsed.success) throw new InvalidMessageError(`invalid task message: ${parsed.error.message}`);
    if (task.image.byteLength === 0) throw new InvalidMessageError('the image is empty');
    const state = this.broker.state(this.queue);
    if (state.ready.length >= state.maxLength)
      throw new QueueFullError(`queue ${this.queue} holds its limit of ${state.maxLength} tasks`);
    const image = this.#copyImages ? task.image.slice() : task.image;
    const holder = this.#imageHolder;
    holder?.retain(image);
    const release = holder && (() => holder.release(image));
    this.broker.state(this.queue).ready.push({ message: parsed.data, image, returns: 0, release });
    pump(this.broker.state(this.queue));
  }

  async consume(handler: TaskHandler, options: ConsumeOptions): Promise<Consumption> {
    this.#assertOpen();
    assertPrefetch(options.prefetch);
    const consumer: ConsumerState = {
      handler,
      prefetch: options.prefetch,
      inFlight: new Set(),
      stopped: false,
      settled: new Set(),
    };
    const state = this.broker.state(this.queue);
    state.consumers.push(consumer);
    this.#consumers.add(consumer);
    pump(state);
    return { stop: () => this.#stop(consumer) };
  }

  async depth(): Promise<number> {
    this.#assertOpen();
    return this.broker.depth(this.queue);
  }

  async consumeDeadLetters(handler: DeadLetterHandler, options: ConsumeOptions): Promise<Consumption> {
    this.#assertOpen();
    assertPrefetch(options.prefetch);
    const consumer: FeedConsumer = {
      handler,
      prefetch: options.prefetch,
      inFlight: 0,
      stopped: false,
      settled: new Set(),
    };
    const state = this.broker.state(this.queue);
    state.feedConsumers.push(consumer);
    this.#feedConsumers.add(consumer);
    pumpFeed(state);
    return {
      stop: async () => {
        consumer.stopped = true;
        state.feedConsumers = state.feedConsumers.filter((c) => c !== consumer);
        await Promise.allSettled([...consumer.settled]);
        this.#feedConsumers.delete(consumer);
      },
    };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const state = this.broker.state(this.queue);
    for (const consumer of this.#feedConsumers) consumer.stopped = true;
    state.feedConsumers = state.feedConsumers.filter((c) => !this.#feedConsumers.has(c));
    await Promise.allSettled([...this.#feedConsumers].flatMap((consumer) => [...consumer.settled]));
    await Promise.all([...this.#consumers].map((consumer) => this.#stop(consumer)));
    this.#closed = true;
  }

  /**
   * Simulates a process crash: consumers vanish without settling, and their unacknowledged messages go back to
   * the queue with their delivery count raised, as RabbitMQ does when a channel closes.
   */
  crash(): void {
    const state = this.broker.state(this.queue);
    for (const consumer of this.#feedConsumers) consumer.stopped = true;
    state.feedConsumers = state.feedConsumers.filter((c) => !this.#feedConsumers.has(c));
    for (const consumer of this.#consumers) {
      consumer.stopped = true;
      state.consumers = state.consumers.filter((c) => c !== consumer);
      const returned = [...consumer.inFlight];
      consumer.inFlight.clear();
      for (const envelope of returned.reverse()) requeue(state, envelope);
    }
    this.#consumers.clear();
    this.#closed = true;
    pump(state);
  }

  async #stop(consumer: ConsumerState): Promise<void> {
    consumer.stopped = true;
    const state = this.broker.state(this.queue);
    state.consumers = state.consumers.filter((c) => c !== consumer);
    await Promise.allSettled([...consumer.settled]);
    this.#consumers.delete(consumer);
    pump(state);
  }

  #assertOpen(): void {
    if (this.#closed) throw new UnavailableError('queue is closed');
  }
}

function assertPrefetch(prefetch: number): void {
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw new InvalidRequestError('prefetch must be a positive integer');
}

function requeue(state: QueueState, envelope: Envelope): void {
  envelope.returns += 1;
  if (envelope.returns > state.deliveryLimit) deadLetter(state, envelope);
  else state.ready.unshift(envelope);
}

/**
 * Dead-lettered messages keep their metadata for inspection; their image is let go. A copy of each valid one
 * goes to the feed, for whoever ends the records.
 */
function deadLetter(state: QueueState, envelope: Envelope): void {
  settle(envelope);
  state.deadLettered.push(envelope);
  const parsed = TaskMessageSchema.safeParse(envelope.message);
  if (!parsed.success) return;
  const { taskId, owner, notify, language } = parsed.data;
  state.feed.push({ taskId, owner, ...(notify && { notify }), ...(language && { language }) });
  pumpFeed(state);
}

/** How long a dead letter whose handler failed waits before it is offered again. */
const FEED_RETRY_MS = 200;

function pumpFeed(state: QueueState): void {
  for (;;) {
    const consumer = state.feedConsumers.find((c) => !c.stopped && c.inFlight < c.prefetch);
    const letter = consumer && state.feed.shift();
    if (!consumer || !letter) return;
    consumer.inFlight += 1;
    const run = (async () => {
      try {
        await consumer.handler(letter);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, FEED_RETRY_MS));
        state.feed.push(letter);
      } finally {
        consumer.inFlight -= 1;
      }
      pumpFeed(state);
    })();
    consumer.settled.add(run);
    void run.finally(() => consumer.settled.delete(run));
  }
}

function settle(envelope: Envelope): void {
  envelope.release?.();
  envelope.release = undefined;
  envelope.image = EMPTY;
}

const EMPTY = new Uint8Array(0);

function pump(state: QueueState): void {
  while (state.ready.length > 0) {
    const consumer = nextWithCapacity(state);
    if (!consumer) return;
    const envelope = state.ready.shift() as Envelope;
    deliver(state, consumer, envelope);
  }
}

function nextWithCapacity(state: QueueState): ConsumerState | undefined {
  const count = state.consumers.length;
  for (let i = 0; i < count; i += 1) {
    const index = (state.nextConsumer + i) % count;
    const consumer = state.consumers[index] as ConsumerState;
    if (!consumer.stopped && consumer.inFlight.size < consumer.prefetch) {
      state.nextConsumer = (index + 1) % count;
      return consumer;
    }
  }
  return undefined;
}

function deliver(state: QueueState, consumer: ConsumerState, envelope: Envelope): void {
  const parsed = TaskMessageSchema.safeParse(envelope.message);
  if (!parsed.success || envelope.image.byteLength === 0) {
    deadLetter(state, envelope);
    return;
  }
  consumer.inFlight.add(envelope);
  const task: DeliveredTask = {
    message: parsed.data,
    image: envelope.image,
    deliveryCount: envelope.returns + 1,
  };
  const run = (async () => {
    let outcome: 'ack' | 'retry' | 'dead-letter';
    try {
      await consumer.handler(task);
      outcome = 'ack';
    } catch (error) {
      outcome = isTransient(error) ? 'retry' : 'dead-letter';
    }
    // A crashed consumer has already given its messages back; settling them now would duplicate them.
    if (!consumer.inFlight.delete(envelope)) return;
    if (outcome === 'ack') settle(envelope);
    else if (outcome === 'dead-letter') deadLetter(state, envelope);
    else requeue(state, envelope);
    pump(state);
  })();
  consumer.settled.add(run);
  void run.finally(() => consumer.settled.delete(run));
}
