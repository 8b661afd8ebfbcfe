import { InvalidRequestError, type BackoffOptions } from '@visionq/core';
import type { Options } from 'amqplib';
import type { AmqpTaskQueueEvents } from './events.js';

/** Where the adapter reports what it does on its own (reconnects, dead-lettered poison). pino fits as is. */
export interface AmqpLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** One broker: a URL, or amqplib's connection object. */
export type BrokerUrl = string | Options.Connect;

export interface AmqpTaskQueueOptions {
  /**
   * `amqp://user:pass@host:5672/vhost` (or `amqps://`), or amqplib's connection object; or a list of them, one
   * per node of a cluster, tried in turn. Required.
   */
  readonly url: BrokerUrl | readonly BrokerUrl[];
  /** Passed to the socket: TLS certificates, `servername`, and so on. */
  readonly socketOptions?: Readonly<Record<string, unknown>>;
  /** The task queue. Default `visionq.tasks`. */
  readonly queue?: string;
  /** Exchange that dead letters go to. Default `<queue>.dlx`. */
  readonly deadLetterExchange?: string;
  /** Queue that keeps dead letters. Default `<queue>.dlq`. */
  readonly deadLetterQueue?: string;
  /**
   * Queue that gets a copy of every dead letter, for `consumeDeadLetters` (which ends their records); the
   * dead-letter queue keeps the originals for inspection. Default `<queue>.dlq.feed`.
   */
  readonly deadLetterFeed?: string;
  /** Redeliveries allowed after the first delivery before a message is dead-lettered. Default 5. */
  readonly deliveryLimit?: number;
  /** Longest wait for a publisher confirm, a ping or a first subscription. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** How long `createAmqpTaskQueue` waits for its first connection. Default 10000 ms. */
  readonly connectTimeoutMs?: number;
  /** AMQP heartbeat, so that a silent network drop is noticed. Default 10 s; a `heartbeat` in `url` wins. */
  readonly heartbeatSeconds?: number;
  /** Reconnect delays after the connection is lost. Default 200 ms doubling up to 30 s, ±20 % jitter. */
  readonly reconnect?: BackoffOptions;
  /** Delay before a transiently failed message goes back to the queue. Default 1 s doubling up to 30 s. */
  readonly requeueDelay?: BackoffOptions;
  /** Shown in the RabbitMQ management UI. Default `visionq`. */
  readonly connectionName?: string;
  readonly logger?: AmqpLogger;
  /** Observers for metrics: `deadLettered` is called for each delivery the consumer dead-letters. */
  readonly events?: AmqpTaskQueueEvents;
}

export interface Settings {
  readonly urls: readonly BrokerUrl[];
  readonly socketOptions: Readonly<Record<string, unknown>>;
  readonly queue: string;
  readonly deadLetterExchange: string;
  readonly deadLetterQueue: string;
  readonly deadLetterFeed: string;
  readonly deliveryLimit: number;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnect: Required<BackoffOptions>;
  readonly requeueDelay: Required<BackoffOptions>;
  readonly connectionName: string;
  readonly logger: AmqpLogger;
  readonly events: AmqpTaskQueueEvents;
}

const silent: AmqpLogger = { info: () => undefined, warn: () => undefined };

/** Validates the options once and fills in the defaults. Throws `InvalidRequestError` naming the bad option. */
export function normaliseOptions(options: AmqpTaskQueueOptions): Settings {
  if (typeof options !== 'object' || options === null) throw new InvalidRequestError('options are required');
  const queue = name('queue', options.queue ?? 'visionq.tasks');
  const heartbeat = integer('heartbeatSeconds', options.heartbeatSeconds ?? 10, 0);
  return {
    urls: connectionUrls(options.url, heartbeat),
    socketOptions: options.socketOptions ?? {},
    queue,
    deadLetterExchange: name('deadLetterExchange', options.deadLetterExchange ?? `${queue}.dlx`),
    deadLetterQueue: name('deadLetterQueue', options.deadLetterQueue ?? `${queue}.dlq`),
    deadLetterFeed: name('deadLetterFeed', options.deadLetterFeed ?? `${queue}.dlq.feed`),
    deliveryLimit: integer('deliveryLimit', options.deliveryLimit ?? 5, 0),
    timeoutMs: integer('timeoutMs', options.timeoutMs ?? 5000, 1),
    connectTimeoutMs: integer('connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1),
    reconnect: backoff('reconnect', options.reconnect, 200, 30_000),
    requeueDelay: backoff('requeueDelay', options.requeueDelay, 1000, 30_000),
    connectionName: options.connectionName ?? 'visionq',
    logger: options.logger ?? silent,
    events: events(options.events),
  };
}

function events(value: unknown): AmqpTaskQueueEvents {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null)
    throw new InvalidRequestError('option events must be an object');
  const { deadLettered } = value as AmqpTaskQueueEvents;
  if (deadLettered !== undefined && typeof deadLettered !== 'function')
    throw new InvalidRequestError('option events.deadLettered must be a function');
  return value;
}

function connectionUrls(url: AmqpTaskQueueOptions['url'], heartbeat: number): BrokerUrl[] {
  if (!Array.isArray(url)) return [connectionUrl(url as BrokerUrl, heartbeat, 'url')];
  if (url.length === 0) throw new InvalidRequestError('missing option: url (the list is empty)');
  return url.map((one: BrokerUrl, i) => connectionUrl(one, heartbeat, `url[${i}]`));
}

function connectionUrl(url: BrokerUrl, heartbeat: number, option: string): BrokerUrl {
  if (typeof url === 'object' && url !== null) return { heartbeat, ...url };
  if (typeof url !== 'string' || url === '') throw new InvalidRequestError(`missing option: ${option}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Neither the URL nor URL's own error (which quotes its input) may reach a log: it can hold a password.
    throw new InvalidRequestError(`option ${option} is not a valid URL`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:')
    throw new InvalidRequestError(`option ${option} must be amqp:// or amqps://, not ${parsed.protocol}//`);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(heartbeat));
  return parsed.toString();
}

function name(option: string, value: unknown): string {
  // AMQP short strings: at most 255 bytes.
  if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > 255)
    throw new InvalidRequestError(`option ${option} must be a non-empty name of at most 255 bytes`);
  return value;
}

function integer(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new InvalidRequestError(`option ${option} must be an integer >= ${min}`);
  return value;
}

function backoff(
  option: string,
  value: BackoffOptions | undefined,
  initial: number,
  max: number,
): Required<BackoffOptions> {
  const initialDelayMs = integer(`${option}.initialDelayMs`, value?.initialDelayMs ?? initial, 0);
  const maxDelayMs = integer(`${option}.maxDelayMs`, value?.maxDelayMs ?? Math.max(max, initialDelayMs), 0);
  if (maxDelayMs < initialDelayMs)
    throw new InvalidRequestError(`option ${option}.maxDelayMs must be >= ${option}.initialDelayMs`);
  return { initialDelayMs, maxDelayMs };
}
