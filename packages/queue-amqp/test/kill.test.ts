import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DeliveredTask } from '@visionq/core';
import { eventually, numberedImage, taskMessage } from '@visionq/core/testing';
import { describe, expect, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { amqpHarness } from './harness.js';

const server = await probeServer('amqp');
const tsx = createRequire(import.meta.url).resolve('tsx');

describe.skipIf(!server.available)('a consumer process killed before it acknowledged', () => {
  it('has its message redelivered to another consumer, with a higher delivery count', async () => {
    const h = await amqpHarness(server.url);
    const child = spawn(
      process.execPath,
      [
        '--conditions=@visionq/source',
        '--import',
        tsx,
        join(import.meta.dirname, 'consumer-process.ts'),
      ].concat(server.url, h.topology.queue, String(h.deliveryLimit)),
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await eventually(() => output.includes('consuming'), 15_000, 'the child to subscribe');
      const producer = await h.connect();
      const message = taskMessage();
      await producer.publish({ message, image: numberedImage(1) });
      await eventually(() => output.includes(`holding ${message.taskId} 1`), 5000, 'the child to take it');

      child.kill('SIGKILL');
      const received: DeliveredTask[] = [];
      const other = await h.connect();
      await other.consume(async (task) => void received.push(task), { prefetch: 1 });
      await eventually(() => received.length === 1, 10_000, 'redelivery');
      expect(received[0]?.message).toEqual(message);
      expect(received[0]?.deliveryCount).toBe(2);
    } finally {
      child.kill('SIGKILL');
      await h.cleanup();
    }
  }, 30_000);
});
