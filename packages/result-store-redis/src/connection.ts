import { CorruptRecordError, UnavailableError, VisionqError, toVisionqError } from '@visionq/core';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
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

/**
 * Runs one command (or a few) once `client` is ready, with whatever it throws mapped by `toStoreError`. A
 * command that got no answer within `commandTimeout` also costs the client its connection (`abandonConnection`).
 */
export async function command<T>(client: Redis, run: () => Promise<T>): Promise<T> {
  try {
    await whenReady(client);
    return await run();
  } catch (error) {
    if (error instanceof Error && error.message === COMMAND_TIMED_OUT) abandonConnection(client);
    throw toStoreError(error);
  }
}

/** What ioredis rejects a command with when `commandTimeout` passes without an answer. */
const COMMAND_TIMED_OUT = 'Command timed out';

/**
 * Drops the connection of a client whose command timed out, with a reset that discards what the kernel still
 * holds to send. Otherwise a command its caller has given up on stays in the socket's send queue, retransmitted
 * until the network heals, and is carried out then: measured in the multi-host fault suite, every upload the
 * API refused during a 15 s cut from Redis left its record (and its idempotency claim) behind, written after
 * the 503. ioredis reconnects on its own schedule; the other commands on the connection fail as unavailable,
 * as they would have on a server that does not answer. Over TLS the socket can only be closed, not reset (Node
 * resets only plain TCP sockets), so what was sent may still arrive.
 */
export function abandonConnection(client: Redis): void {
  const socket: unknown = client.stream;
  if (!(socket instanceof Socket) || socket.destroyed) return;
  if (socket instanceof TLSSocket) return void socket.destroy();
  try {
    socket.resetAndDestroy();
  } catch {
    // Not a TCP socket (a Unix socket has no send queue to outlive it): a plain close will do.
    socket.destroy();
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
