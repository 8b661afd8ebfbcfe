export { createAmqpTaskQueue } from './create.js';
export type { AmqpTaskQueue } from './queue.js';
<<<<<<< HEAD
export type { AmqpLogger, AmqpTaskQueueOptions, BackoffOptions, BrokerUrl } from './options.js';
=======
export type { AmqpLogger, AmqpTaskQueueOptions } from './options.js';
export type { BackoffOptions } from '@visionq/core';
>>>>>>> main
export { TASK_HEADERS, messageMetadata } from './codec.js';
export type { AmqpTaskQueueEvents, DeadLetteredInfo, DeadLetterReason } from './events.js';
