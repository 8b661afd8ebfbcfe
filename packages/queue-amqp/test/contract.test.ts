import { taskQueueContract } from '@visionq/core/testing';
import { describe, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { amqpHarness } from './harness.js';

const server = await probeServer('amqp');

describe.skipIf(!server.available)('AmqpTaskQueue against RabbitMQ', () => {
  taskQueueContract(it, (options) => amqpHarness(server.url, {}, options));
});
