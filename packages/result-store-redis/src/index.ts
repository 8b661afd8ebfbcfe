export { createRedisResultStore, RedisResultStore } from './store.js';
export type { RedisResultStoreOptions } from './options.js';
export {
  createRedisNotificationOutbox,
  RedisNotificationOutbox,
  type RedisNotificationOutboxOptions,
} from './outbox.js';
export {
  createRedisClient,
  createRedisSentinelClient,
  sentinelDataOptions,
  FAIL_FAST_OPTIONS,
  reconnectBackoff,
} from './client.js';
export type { BackoffOptions } from '@visionq/core';
export { whenReady as whenRedisReady } from './connection.js';
export type { Redis, RedisOptions } from 'ioredis';
