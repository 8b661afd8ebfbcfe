import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TASK_MESSAGE_SCHEMA_VERSION } from '@visionq/core';
import { eventually } from '@visionq/core/testing';
import { TASK_HEADERS, createAmqpTaskQueue } from '@visionq/queue-amqp';
import { createRedisClient, createRedisResultStore } from '@visionq/result-store-redis';
import { connect } from 'amqplib';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { runWorker } from '../src/worker.js';
import { flatAvif, solid, RED } from '../../../packages/image-preprocess/test/images.js';
import { sample } from './exposition.js';
import { freePort, isolated, submitter } from './support/isolated.js';

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const STOP = await readFile(join(import.meta.dirname, '../../../models/traffic-signs/samples/stop.jpg'));
const silent = pino({ level: 'silent' });

async function scrape(url: string | undefined): Promise<string> {
  const res = await fetch(url as string);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe.skipIf(!amqp.available || !redis.available)("the worker's /metrics", () => {
  it('counts tasks, batches and the dead letters it made, and reads the dead-letter queue at each scrape', async () => {
    const { config, cleanup } = isolated({ amqp, redis }, { WORKER_METRICS_PORT: String(await freePort()) });
    const worker = await runWorker(config, silent);
    const producer = await createAmqpTaskQueue({ url: amqp.url, queue: config.AMQP_QUEUE });
    const client = createRedisClient(redis.url, { enableOfflineQueue: true });
    const store = createRedisResultStore({ client, keyPrefix: config.REDIS_PREFIX });
    try {
      expect(worker.metricsUrl).toBe(`http://127.0.0.1:${config.WORKER_METRICS_PORT}/metrics`);
      const before = await scrape(worker.metricsUrl);
      // Every reason is there from the start, at zero, and so is the depth of the (empty) dead-letter queue.
      for (const reason of ['schema_version', 'schema', 'empty_body', 'permanent_error'])
        expect(sample(before, 'visionq_queue_dead_lettered_total', { reason })).toBe(0);
      const dlq = { queue: `${config.AMQP_QUEUE}.dlq` };
      expect(sample(before, 'visionq_queue_dead_letter_messages', dlq)).toBe(0);
      // Which model this worker runs: the bundled one, as its metadata names it.
      expect(sample(before, 'visionq_model_info', { name: 'traffic-signs', version: '2' })).toBe(1);

      // Two tasks as the API submits them: a photo, and bytes that only claim to be a PNG.
      const submit = submitter(store, producer);
      const good = await submit(STOP, 'image/jpeg');
      const broken = await submit(
        Buffer.from('\x89PNG\r\n\x1a\n, and then nothing of the kind'),
        'image/png',
      );
      // Two poison messages, written straight to the queue: a newer schema version, and no image at all.
      const connection = await connect(amqp.url);
      const channel = await connection.createConfirmChannel();
      const headers = (version: number) => ({
        [TASK_HEADERS.owner]: 'mallory',
        [TASK_HEADERS.schemaVersion]: version,
        [TASK_HEADERS.timestampMs]: Date.now(),
      });
      const poison = { messageId: randomUUID(), contentType: 'image/jpeg', persistent: true };
      channel.sendToQueue(config.AMQP_QUEUE, STOP, { ...poison, headers: headers(999) });
      channel.sendToQueue(config.AMQP_QUEUE, Buffer.alloc(0), {
        ...poison,
        messageId: randomUUID(),
        headers: headers(TASK_MESSAGE_SCHEMA_VERSION),
      });
      await channel.waitForConfirms();
      await connection.close();

      await eventually(
        async () =>
          (await store.get(good))?.status === 'succeeded' && (await store.get(broken))?.status === 'failed',
        30_000,
        'both tasks ended',
      );
      let text = '';
      await eventually(
        async () => {
          text = await scrape(worker.metricsUrl);
          return sample(text, 'visionq_queue_dead_letter_messages', dlq) === 2;
        },
        10_000,
        'two dead letters in the dead-letter queue',
      );
      expect(sample(text, 'visionq_queue_dead_lettered_total', { reason: 'schema_version' })).toBe(1);
      expect(sample(text, 'visionq_queue_dead_lettered_total', { reason: 'empty_body' })).toBe(1);
      expect(sample(text, 'visionq_queue_dead_lettered_total', { reason: 'schema' })).toBe(0);
      expect(sample(text, 'visionq_tasks_ended_total', { status: 'succeeded' })).toBe(1);
      // The broken image (invalid_image), and the newer-schema message once its dead letter came back through the
      // feed (processing_failed): every dead-lettered task ends, even one this worker could not read.
      await eventually(
        async () => {
          text = await scrape(worker.metricsUrl);
          return sample(text, 'visionq_tasks_ended_total', { status: 'failed' }) === 2;
        },
        10_000,
        'two failed tasks',
      );
      expect(sample(text, 'visionq_task_duration_seconds_count', { status: 'succeeded' })).toBe(1);
      expect(sample(text, 'visionq_task_duration_seconds_sum', { status: 'succeeded' })).toBeGreaterThan(0);
      // The photo was classified; the broken one may or may not have reached the model before failing.
      expect(sample(text, 'visionq_inference_batch_size_sum')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'visionq_inference_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      // The default Node.js metrics come along.
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
      // Nothing else is served.
      const elsewhere = await fetch(worker.metricsUrl!.replace('/metrics', '/'));
      expect(elsewhere.status).toBe(404);
      const post = await fetch(worker.metricsUrl!, { method: 'POST' });
      expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    } finally {
      await worker.stop();
      await producer.close();
      client.disconnect();
      await cleanup();
    }
    // Stopped with everything else.
    await expect(fetch(worker.metricsUrl!)).rejects.toThrow();
  }, 60_000);

  it('an image that could never fit the decode budget or its format limit ends failed, saying why; others succeed', async () => {
    const { config, cleanup } = isolated(
      { amqp, redis },
      { WORKER_METRICS_PORT: '0', DECODE_MEMORY_BUDGET_MB: '24' },
    );
    const worker = await runWorker(config, silent);
    const producer = await createAmqpTaskQueue({ url: amqp.url, queue: config.AMQP_QUEUE });
    const client = createRedisClient(redis.url, { enableOfflineQueue: true });
    const store = createRedisResultStore({ client, keyPrefix: config.REDIS_PREFIX });
    try {
      const submit = submitter(store, producer);
      // The 8 KB AVIF that held ~700 MB while decoding, and a progressive JPEG of ~42 MB by the estimate.
      const bomb = await submit(await flatAvif(6300), 'image/avif');
      const costly = await submit(
        await solid(RED, 2000, 2000).jpeg({ progressive: true }).toBuffer(),
        'image/jpeg',
      );
      const photo = await submit(STOP, 'image/jpeg');
      const ended = await Promise.all([bomb, costly, photo].map((id) => store.waitFor(id, 30_000)));
      expect(
        ended.map((record) => [record?.status, record?.status === 'failed' ? record.error : undefined]),
      ).toEqual([
        [
          'failed',
          {
            code: 'invalid_image',
            message: 'image is 6300×6300 (39.7 megapixels), over the limit of 16 megapixels for AVIF',
          },
        ],
        [
          'failed',
          {
            code: 'too_large',
            message: expect.stringMatching(
              /^a 2000×2000 JPEG image needs about \d+ MB of memory to decode, more than the decode budget of 24 MB$/,
            ),
          },
        ],
        ['succeeded', undefined],
      ]);
    } finally {
      await worker.stop();
      await producer.close();
      client.disconnect();
      await cleanup();
    }
  }, 60_000);

  it('WORKER_METRICS_PORT=0 serves no metrics', async () => {
    const { config, cleanup } = isolated({ amqp, redis }, { WORKER_METRICS_PORT: '0' });
    try {
      const worker = await runWorker(config, silent);
      expect(worker.metricsUrl).toBeUndefined();
      await worker.stop();
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('a taken port fails the start-up, naming the variable, before connecting to anything', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const { config } = isolated({ amqp, redis }, { WORKER_METRICS_PORT: String(port) });
    try {
      await expect(runWorker(config, silent)).rejects.toThrow(
        `cannot serve metrics on 127.0.0.1:${port} (EADDRINUSE): set WORKER_METRICS_PORT to a free port, or 0 to turn metrics off`,
      );
      // Nothing was declared: the failure came before RabbitMQ.
      const connection = await connect(amqp.url);
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await expect(channel.checkQueue(config.AMQP_QUEUE)).rejects.toThrow(/NOT_FOUND/);
      await connection.close().catch(() => undefined);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
