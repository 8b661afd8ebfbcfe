import { ConflictError, UnavailableError, type VisionqError } from '@visionq/core';
import { FailoverConnection } from './failover.js';
import { normaliseOptions, type AmqpTaskQueueOptions } from './options.js';
import { AmqpTaskQueue } from './queue.js';
import { withTimeout } from './timeout.js';
import { declareTopology } from './topology.js';

/**
 * Connects to RabbitMQ, declares the quorum queue with its dead-letter exchange and queue, and resolves with a
 * `TaskQueue` that reconnects by itself from then on. Rejects with `InvalidRequestError` for bad options,
 * `ConflictError` when the queue exists with other arguments, and `UnavailableError` when RabbitMQ cannot be
 * reached (or refuses the credentials) within `connectTimeoutMs`.
 */
export async function createAmqpTaskQueue(options: AmqpTaskQueueOptions): Promise<AmqpTaskQueue> {
  const settings = normaliseOptions(options);
  const model = new FailoverConnection({
    urls: settings.urls,
    socketOptions: {
      // Bounds each connection attempt's TCP and AMQP handshake, so a stalled network cannot hang recovery.
      timeout: settings.timeoutMs,
      ...settings.socketOptions,
      clientProperties: { connection_name: settings.connectionName },
    },
    reconnect: settings.reconnect,
    setup: (connection) => declareTopology(connection, settings),
  });
  const queue = new AmqpTaskQueue(settings, model);
  let lastFailure: Error | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    model.once('connect', () => resolve());
    model.on('connect-failed', (error: Error) => {
      lastFailure = error;
      // Retrying cannot fix these; the caller should hear about them now.
      if (isPermanent(error)) reject(error);
    });
  });
  try {
    await withTimeout(connected, settings.connectTimeoutMs, () => new Error('timed out'));
  } catch (error) {
    await queue.close();
    throw startupError(settings.queue, lastFailure ?? error);
  }
  return queue;
}

function isPermanent(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 406 || code === 403 || /ACCESS.REFUSED|NOT.ALLOWED/.test(error.message);
}

function startupError(queue: string, error: unknown): VisionqError {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown }).code === 406)
    return new ConflictError(`queue ${queue} already exists with other arguments: ${message}`, {
      cause: error,
    });
  return new UnavailableError(`cannot connect to RabbitMQ: ${message}`, { cause: error });
}
