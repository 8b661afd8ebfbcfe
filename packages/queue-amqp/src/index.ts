export { createAmqpTaskQueue } from './create.js';
export type { AmqpTaskQueue } from './queue.js';
export type { AmqpLogger, AmqpTaskQueueOptions, BrokerUrl } from './options.js';
export type { BackoffOptions } from '@visionq/core';
export { TASK_HEADERS, messageMetadata } from './codec.js';
export type { AmqpTaskQueueEvents, DeadLetteredInfo, DeadLetterReason } from './events.js';
