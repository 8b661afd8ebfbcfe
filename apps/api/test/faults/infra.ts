import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, type ConfirmChannel } from 'amqplib';
import { createRedisClient } from '@visionq/result-store-redis';
import { repoPath } from '@visionq/service-kit';
import { removeQueueTopology } from '@visionq/test-support/amqp';

const run = promisify(execFile);

/**
 * Stops or starts the server behind `AMQP_URL` / `REDIS_URL` with scripts/services.sh, without blocking this
 * process's event loop (the load and the long-polls keep running meanwhile). RABBITMQ_NODENAME and friends
 * pass through, so a developer can point the suite at a private node instead of the one others share.
 */
export async function serverControl(
  action: 'stop' | 'start',
  which: 'rabbitmq' | 'redis',
  redisUrl: string,
): Promise<void> {
  await run('bash', [repoPath('scripts/services.sh'), action, which], {
    env: { ...process.env, REDIS_PORT: new URL(redisUrl).port || '6379' },
    timeout: 180_000,
  });
}

/**
 * What a test needs to see and do on RabbitMQ, outside the service: depths, raw publishing, clean-up. Each call
 * opens its own connection, so that a broker restart in between does not leave the test holding a dead one.
 */
export function broker(url: string) {
  const withChannel = async <T>(use: (channel: ConfirmChannel) => Promise<T>): Promise<T> => {
    const connection = await connect(url);
    connection.on('error', () => undefined);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      return await use(channel);
    } finally {
      await connection.close().catch(() => undefined);
    }
  };
  return {
    withChannel,
    /** Ready messages in `queue` (unacknowledged ones not counted). */
    depth: (queue: string) => withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount),
    /** Takes every message out of `queue` and returns their properties and sizes. */
    drain: (queue: string) =>
      withChannel(async (channel) => {
        const taken: { messageId: unknown; headers: Record<string, unknown>; bytes: number }[] = [];
        for (;;) {
          const message = await channel.get(queue, { noAck: true });
          if (message === false) return taken;
          taken.push({
            messageId: message.properties.messageId,
            headers: (message.properties.headers ?? {}) as Record<string, unknown>,
            bytes: message.content.length,
          });
        }
      }),
    /** Removes the task queue and what was declared with it. */
    deleteQueues: (queue: string) => removeQueueTopology(url, queue).catch(() => undefined),
  };
}
export type Broker = ReturnType<typeof broker>;

/** Reads the records the service keeps under `prefix`, straight from Redis. */
export async function readRecords(url: string, prefix: string): Promise<Map<string, { status: string }>> {
  const client = createRedisClient(url, { enableOfflineQueue: true, lazyConnect: false });
  client.on('error', () => undefined);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}task:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const records = new Map<string, { status: string }>();
    for (let i = 0; i < keys.length; i += 500) {
      const values = await client.mget(...keys.slice(i, i + 500));
      values.forEach((value, j) => {
        if (value) records.set((keys[i + j] as string).slice(`${prefix}task:`.length), JSON.parse(value));
      });
    }
    return records;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = createRedisClient(url, { enableOfflineQueue: true });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await client.del(...found);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
