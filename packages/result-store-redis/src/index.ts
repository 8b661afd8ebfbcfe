export { createRedisResultStore, RedisResultStore } from './store.js';
export type { RedisResultStoreOptions } from './options.js';
export {
  createRedisClient,
  createRedisSentinelClient,
  FAIL_FAST_OPTIONS,
  reconnectBackoff,
  type BackoffOptions,
} from './client.js';
export { whenReady as whenRedisReady } from './connection.js';
export type { Redis, RedisOptions } from 'ioredis';
