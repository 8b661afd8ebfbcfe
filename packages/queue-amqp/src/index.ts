export { createAmqpTaskQueue } from './create.js';
export type { AmqpTaskQueue } from './queue.js';
export type { AmqpLogger, AmqpTaskQueueOptions, BackoffOptions, BrokerUrl } from './options.js';
export { TASK_HEADERS, messageMetadata } from './codec.js';
export type { AmqpTaskQueueEvents, DeadLetteredInfo, DeadLetterReason } from './events.js';
