import { resultStoreContract } from '@visionq/core/testing';
import { describe, it } from 'vitest';
import { probeServer } from '@visionq/test-support/servers';
import { redisHarness } from './harness.js';

const server = await probeServer('redis');

describe.skipIf(!server.available)('RedisResultStore', () => {
  resultStoreContract(it, (ttl) => redisHarness(server.url, ttl));
});
