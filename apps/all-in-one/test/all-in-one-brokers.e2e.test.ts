import { readFileSync } from 'node:fs';
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeQueueTopology } from '@visionq/test-support/amqp';
import { probeServer } from '@visionq/test-support/servers';
import { repoPath } from '@visionq/service-kit';
import { SUITE_ENV, tokenFor } from '../../api/test/e2e/http-suite.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitUntilServing,
  type ServiceProcess,
} from '../../api/test/e2e/processes.js';

const amqp = await probeServer('amqp');
const redis = await probeServer('redis');
const STOP = readFileSync(repoPath('models/traffic-signs/samples/stop.jpg'));

const deadLettered = (metrics: string, reason: string) =>
  Number(
    new RegExp(`^visionq_queue_dead_lettered_total\\{reason="${reason}"\\} (\\S+)$`, 'm').exec(
      metrics,
    )?.[1] ?? 0,
  );

// `pnpm start` with AMQP_URL and REDIS_URL set: one process, real broker and store; it consumes, so what its
// consumer dead-letters is counted in its own /metrics, as a separate worker counts it in its.
describe.skipIf(!amqp.available || !redis.available)('all-in-one on RabbitMQ and Redis', () => {
  const run = `aio-${process.pid}-${Date.now()}`;
  const queue = `visionq.${run}`;
  let service: ServiceProcess;
  let url = '';
  let metricsUrl = '';
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    service = startProcess('all-in-one', ENTRY.allInOne, {
      ...SUITE_ENV,
      AMQP_URL: amqp.url,
      REDIS_URL: redis.url,
      AMQP_QUEUE: queue,
      REDIS_PREFIX: `visionq:${run}:`,
      PORT: String(port),
      API_METRICS_PORT: String(metricsPort),
    });
    await waitUntilServing(`${url}/readyz`, service);
  }, 90_000);
  afterAll(async () => {
    const code = await service.kill('SIGTERM');
    await removeQueueTopology(amqp.url, queue);
    expect(code).toBe(0);
  });

  it('classifies an upload, and counts a poison message it dead-letters in /metrics', async () => {
    const answer = await fetch(`${url}/predict?wait=20`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenFor('alice')}`, 'Content-Type': 'image/jpeg' },
      body: STOP,
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ status: 'succeeded', result: { label: 'stop' } });

    const connection = await connect(amqp.url);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, STOP, { messageId: 'no-headers', persistent: true });
    await channel.waitForConfirms();
    await connection.close();
    let metrics = '';
    for (let i = 0; i < 100 && deadLettered(metrics, 'schema') === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      metrics = await (await fetch(metricsUrl)).text();
    }
    expect(deadLettered(metrics, 'schema')).toBe(1);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 60_000);
});
