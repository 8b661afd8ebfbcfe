import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TASK_MESSAGE_SCHEMA_VERSION } from '@visionq/core';
import { TASK_HEADERS } from '@visionq/queue-amqp';
import type { Options } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { alive, Cluster } from './cluster.js';
import { expectLedgerBalanced } from './ledger.js';
import { Load, samples } from './load.js';
import { servers } from './servers.js';

/** Messages no producer of ours would send, written with amqplib straight onto the task queue. */
function poison(): { why: string; reason: string; id: string; body: Buffer; properties: Options.Publish }[] {
  const image = samples()[0]!.bytes;
  const good = (id: string) => ({
    messageId: id,
    contentType: 'image/jpeg',
    persistent: true,
    headers: {
      [TASK_HEADERS.owner]: 'mallory',
      [TASK_HEADERS.schemaVersion]: TASK_MESSAGE_SCHEMA_VERSION,
      [TASK_HEADERS.timestampMs]: Date.now(),
    },
  });
  // Each with the reason the worker's metrics count it under (visionq_queue_dead_lettered_total).
  const cases: [string, string, (id: string) => Options.Publish, Buffer][] = [
    ['no headers at all', 'schema', (id) => ({ ...good(id), headers: {} }), image],
    [
      'an owner that is not a string',
      'schema',
      (id) => ({ ...good(id), headers: { ...good(id).headers, [TASK_HEADERS.owner]: 42 } }),
      image,
    ],
    [
      'schema version 999',
      'schema_version',
      (id) => ({ ...good(id), headers: { ...good(id).headers, [TASK_HEADERS.schemaVersion]: 999 } }),
      image,
    ],
    ['a zero-byte body', 'empty_body', good, Buffer.alloc(0)],
    ['a message id that is not a UUID', 'schema', () => good('not-a-uuid'), image],
  ];
  return cases.map(([why, reason, properties, body]) => {
    const id = randomUUID();
    return { why, reason, id, body, properties: properties(id) };
  });
}

/** One sample of a Prometheus text exposition: the series with exactly these labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  for (const [, metric, body, value] of text.matchAll(/^([\w:]+)(?:\{(.*)\})? (\S+)$/gm)) {
    const found = [...(body ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]);
    if (metric === name && JSON.stringify(found.sort()) === wanted) return Number(value);
  }
  return undefined;
}

describe.skipIf(servers.skip)('faults: poison messages on the task queue', () => {
  it('are dead-lettered at once, while the worker goes on with the load around them', async () => {
    const cluster = Cluster.create('poison', servers.urls);
    try {
      const api = await cluster.startApi();
      const worker = await cluster.startWorker();
      const load = (
        await new Load({ targets: () => [api.url], users: 3, pauseMs: 20 }).calibrate(api.url)
      ).start();
      const messages = poison();
      await cluster.broker.withChannel(async (channel) => {
        for (const message of messages) {
          channel.sendToQueue(cluster.queue, message.body, message.properties);
          await sleep(100);
        }
        await channel.waitForConfirms();
      });
      const dlq = `${cluster.queue}.dlq`;
      const deadline = Date.now() + 30_000;
      while ((await cluster.broker.depth(dlq)) < messages.length && Date.now() < deadline) await sleep(200);
      await sleep(1_000);
      await load.settle();

      const summary = await expectLedgerBalanced(load, cluster);
      console.info('poison:', JSON.stringify(summary));
      // The worker counts them by reason, and reads the dead-letter queue's depth when scraped.
      const metrics = await (await fetch(worker.metricsUrl)).text();
      for (const reason of ['schema', 'schema_version', 'empty_body', 'permanent_error'])
        expect(sample(metrics, 'visionq_queue_dead_lettered_total', { reason }), reason).toBe(
          messages.filter((m) => m.reason === reason).length,
        );
      expect(sample(metrics, 'visionq_queue_dead_letter_messages', { queue: dlq })).toBe(messages.length);
      const dead = await cluster.broker.drain(dlq);
      // Each one, once, with its properties intact for whoever inspects the dead letters.
      expect(dead.map((m) => m.messageId).sort()).toEqual(messages.map((m) => m.properties.messageId).sort());
      expect(dead.find((m) => m.bytes === 0)).toBeDefined();
      expect(worker.output().match(/dead-lettering a task message/g)).toHaveLength(messages.length);
      expect(alive(worker)).toBe(true);
    } finally {
      await cluster.close();
    }
  });
});
