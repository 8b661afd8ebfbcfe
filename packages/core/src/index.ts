export * from './errors.js';
export * from './failure.js';
export type { BackoffOptions } from './backoff.js';
export * from './schemas.js';
export * from './ports.js';
export * from './records.js';
export * from './queue-ceiling.js';
export type { BufferHolder } from './buffer-holder.js';
export * from './memory/index.js';
