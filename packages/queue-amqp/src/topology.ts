import type { Channel } from 'amqplib';
import { closeWithin } from './timeout.js';

export interface Topology {
  readonly queue: string;
  readonly deadLetterExchange: string;
  readonly deadLetterQueue: string;
  /** Gets a copy of every dead letter, for whoever ends their records. */
  readonly deadLetterFeed: string;
  readonly deliveryLimit: number;
  /** Longest wait for closing the declaring channel. Default 5000 ms. */
  readonly timeoutMs?: number;
}

/** The task queue's arguments. Declaring again with the same ones is a no-op; with others, a 406. */
export function queueArguments(topology: Topology): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': topology.deadLetterExchange,
    'x-delivery-limit': topology.deliveryLimit,
    // At-least-once dead-lettering keeps a message in the task queue until the dead-letter queue has it, so a
    // broker failure in between cannot lose it. RabbitMQ requires reject-publish overflow for it. The length
    // limit itself is left to a policy (`max-length`): arguments of a quorum queue cannot change later, a
    // policy can, and with this overflow a full queue nacks the publish.
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/**
 * Declares the dead-letter exchange and queue, then the task queue, idempotently. Runs on every (re)connect,
 * so a broker that lost its definitions gets them back.
 */
export async function declareTopology(
  model: { createChannel(): Promise<Channel> },
  topology: Topology,
): Promise<void> {
  const channel = await model.createChannel();
  // A 406 arrives as the rejection below; without a listener it would also be thrown as an 'error' event.
  channel.on('error', () => undefined);
  try {
    await channel.assertExchange(topology.deadLetterExchange, 'fanout', { durable: true });
    await channel.assertQueue(topology.deadLetterQueue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '');
    await channel.assertQueue(topology.deadLetterFeed, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await channel.bindQueue(topology.deadLetterFeed, topology.deadLetterExchange, '');
    await channel.assertQueue(topology.queue, { durable: true, arguments: queueArguments(topology) });
  } finally {
    await closeWithin(channel, topology.timeoutMs ?? 5000);
  }
}
