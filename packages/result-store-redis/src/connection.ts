import { CorruptRecordError, UnavailableError, VisionqError, toVisionqError } from '@visionq/core';
import type { Redis } from 'ioredis';

/** Replies with which a server says "not now" rather than "never": worth retrying. */
const TRANSIENT_REPLIES = ['LOADING', 'BUSY', 'MASTERDOWN', 'READONLY', 'OOM', 'TRYAGAIN', 'CLUSTERDOWN'];

/**
 * Maps what ioredis throws to visionq's errors. Redis answers arrive as `ReplyError`; everything else it throws
 * (connection closed, stream not writeable, command timed out, retries exhausted) means the server cannot be
 * reached now.
 */
export function toStoreError(error: unknown): VisionqError {
  if (error instanceof VisionqError) return error;
  if (!(error instanceof Error)) return toVisionqError(error);
  if (error.name !== 'ReplyError') return new UnavailableError('redis is unavailable', { cause: error });
  const word = error.message.split(' ', 1)[0] ?? '';
  if (word === 'WRONGTYPE')
    return new CorruptRecordError('a stored value has the wrong Redis type', { cause: error });
  if (TRANSIENT_REPLIES.includes(word))
    return new UnavailableError(`redis is unavailable: ${word}`, { cause: error });
  return toVisionqError(error);
}

/** Runs one command (or a few) once `client` is ready, with whatever it throws mapped by `toStoreError`. */
export async function command<T>(client: Redis, run: () => Promise<T>): Promise<T> {
  try {
    await whenReady(client);
    return await run();
  } catch (error) {
    throw toStoreError(error);
  }
}

const pending = new WeakMap<Redis, Promise<void>>();

/**
 * Resolves once `client` can take commands. A client still making its first connection (or between two
 * attempts' handshakes) is given up to its `connectTimeout`; one that lost its server and waits to reconnect
 * fails at once, so that callers hear "unavailable" now rather than after the outage.
 */
export function whenReady(client: Redis): Promise<void> {
  switch (client.status) {
    case 'ready':
      return Promise.resolve();
    case 'wait':
      // A lazy client: this is the moment it was waiting for. connect() rejects on its own 'error' path too.
      client.connect().catch(() => undefined);
      break;
    case 'connecting':
    case 'connect':
      break;
    default:
      return Promise.reject(new UnavailableError(`redis is unavailable (${client.status})`));
  }
  let ready = pending.get(client);
  if (!ready) {
    ready = waitForReady(client, client.options.connectTimeout ?? 10_000).finally(() =>
      pending.delete(client),
    );
    pending.set(client, ready);
  }
  return ready;
}

function waitForReady(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady).off('close', onClose).off('end', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onClose = () => done(new UnavailableError('redis is unavailable: connection failed'));
    const timer = setTimeout(
      () => done(new UnavailableError(`redis is unavailable: not connected within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.once('ready', onReady).once('close', onClose).once('end', onClose);
  });
}
