import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { TaskQueue } from '@visionq/core';
import type { TaskQueueHarness, TaskQueueHarnessOptions } from '@visionq/core/testing';
import { connect, type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { publishProperties } from '../src/codec.js';
import { createAmqpTaskQueue, messageMetadata, type AmqpTaskQueueOptions } from '../src/index.js';
import { crash, type AmqpTaskQueue } from '../src/queue.js';
import { declareTopology, type Topology } from '../src/topology.js';

export interface AmqpHarness extends TaskQueueHarness {
  readonly topology: Topology;
  connect(extra?: Partial<AmqpTaskQueueOptions>): Promise<AmqpTaskQueue>;
  /** Dead letters as RabbitMQ keeps them (with x-death), oldest first. */
  deadLetters(): Promise<GetMessage[]>;
  /** Messages ready in the task queue. */
  depth(): Promise<number>;
  /** Takes the next message off the task queue as RabbitMQ holds it, or `false` when there is none. */
  take(): Promise<GetMessage | false>;
}

/** Fast settings, so that the contract's retries and reconnects take milliseconds rather than seconds. */
export const FAST: Partial<AmqpTaskQueueOptions> = {
  deliveryLimit: 2,
  timeoutMs: 3000,
  connectTimeoutMs: 5000,
  reconnect: { initialDelayMs: 50, maxDelayMs: 1000 },
  requeueDelay: { initialDelayMs: 20, maxDelayMs: 100 },
};

const run = promisify(execFile);

/**
 * Sets (or, with `undefined`, clears) a `max-length` policy on one queue, as an operator would: the task
 * queue's own arguments never carry a length limit. A quorum queue refuses a publish only once it is over its
 * `max-length`, so a ceiling of `maxLength` messages is a policy of `maxLength - 1` (docs/scaling.md). Uses
 * `rabbitmqctl` on this machine (the node it picks by default, or `RABBITMQ_NODENAME`).
 */
export async function setQueueLimit(
  queue: string,
  maxLength: number | undefined,
  rabbitmqctl: RabbitmqCtl = localRabbitmqctl,
): Promise<void> {
  const args =
    maxLength === undefined
      ? ['clear_policy', queue]
      : [
          'set_policy',
          '--apply-to',
          'queues',
          queue,
          `^${queue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
          JSON.stringify({ 'max-length': Math.max(0, maxLength - 1) }),
        ];
  await rabbitmqctl(args);
}

/** Runs `rabbitmqctl` with these arguments against the broker under test. */
export type RabbitmqCtl = (args: string[]) => Promise<void>;

const localRabbitmqctl: RabbitmqCtl = async (args) => {
  await run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
};

/** One uniquely named queue (with its dead-letter exchange and queues) per harness, removed by cleanup(). */
export async function amqpHarness(
  url: string,
  extra: Partial<AmqpTaskQueueOptions> = {},
  harnessOptions: TaskQueueHarnessOptions = {},
  rabbitmqctl: RabbitmqCtl = localRabbitmqctl,
): Promise<AmqpHarness> {
  const queue = `visionq-test-${randomUUID()}`;
  const options: AmqpTaskQueueOptions = { url, queue, ...FAST, ...extra };
  const topology: Topology = {
    queue,
    deadLetterExchange: `${queue}.dlx`,
    deadLetterQueue: `${queue}.dlq`,
    deadLetterFeed: `${queue}.dlq.feed`,
    deliveryLimit: options.deliveryLimit ?? 5,
  };
  // Before the queue exists, so that it is born limited.
  const { maxLength } = harnessOptions;
  if (maxLength !== undefined) await setQueueLimit(queue, maxLength, rabbitmqctl);
  // The harness's own connection, opened again if a test restarted the broker under it.
  let admin: Promise<{ connection: ChannelModel; channel: ConfirmChannel }> | undefined;
  const opened = () =>
    (admin ??= (async () => {
      const connection = await connect(url);
      connection.on('error', () => undefined);
      connection.on('close', () => (admin = undefined));
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      // A failed check (404) closes the channel: start over with a fresh connection next time.
      channel.on('close', () => {
        admin = undefined;
        connection.close().catch(() => undefined);
      });
      return { connection, channel };
    })());
  const adminChannel = async () => (await opened()).channel;
  await declareTopology((await opened()).connection, topology);
  const clients = new Set<AmqpTaskQueue>();
  const dead: GetMessage[] = [];

  const deadLetters = async () => {
    // Destructive reads, remembered here: the harness owns its dead-letter queue.
    for (;;) {
      const message = await (await adminChannel()).get(topology.deadLetterQueue, { noAck: true });
      if (message === false) return dead;
      dead.push(message);
    }
  };

  return {
    topology,
    deliveryLimit: topology.deliveryLimit,
    async connect(more = {}) {
      const client = await createAmqpTaskQueue({ ...options, ...more });
      clients.add(client);
      return client;
    },
    async crash(client: TaskQueue) {
      (client as AmqpTaskQueue)[crash]();
    },
    deadLetters,
    async deadLettered() {
      return (await deadLetters()).map((message) => messageMetadata(message.properties));
    },
    async publishRaw(message, image) {
      const metadata = typeof message === 'object' && message !== null ? message : {};
      const channel = await adminChannel();
      channel.sendToQueue(queue, Buffer.from(image), publishProperties(metadata));
      await channel.waitForConfirms();
    },
    async take() {
      return (await adminChannel()).get(queue, { noAck: true });
    },
    async depth() {
      return (await (await adminChannel()).checkQueue(queue)).messageCount;
    },
    async cleanup() {
      await Promise.allSettled([...clients].map((client) => client.close()));
      const channel = await adminChannel();
      await channel.deleteQueue(queue);
      await channel.deleteQueue(topology.deadLetterQueue);
      await channel.deleteQueue(topology.deadLetterFeed);
      await channel.deleteExchange(topology.deadLetterExchange);
      await (await opened()).connection.close();
      if (maxLength !== undefined) await setQueueLimit(queue, undefined, rabbitmqctl);
    },
  };
}
