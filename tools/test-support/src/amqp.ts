import { connect, type Channel, type ChannelModel } from 'amqplib';

/**
 * What `@visionq/queue-amqp` declares for a task queue under its default names: the queue, its dead-letter
 * queue and dead-letter feed, and the dead-letter exchange.
 */
export function queueTopology(queue: string): { queues: string[]; exchanges: string[] } {
  return { queues: [queue, `${queue}.dlq`, `${queue}.dlq.feed`], exchanges: [`${queue}.dlx`] };
}

/**
 * Removes a test's task queue and everything declared with it from the broker at `url`. A run that leaves them
 * behind costs a developer's long-lived broker a quorum queue each, for good. What is already gone is skipped.
 */
export async function removeQueueTopology(url: string, queue: string): Promise<void> {
  const connection = await connect(url);
  connection.on('error', () => undefined);
  try {
    const { queues, exchanges } = queueTopology(queue);
    for (const name of queues) await attempt(connection, (channel) => channel.deleteQueue(name));
    for (const name of exchanges) await attempt(connection, (channel) => channel.deleteExchange(name));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** One operation on a channel of its own: a refused one closes its channel, not the others'. */
async function attempt(connection: ChannelModel, op: (channel: Channel) => Promise<unknown>): Promise<void> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    await op(channel);
    await channel.close();
  } catch {
    // gone already, or the channel was closed by the refusal
  }
}
