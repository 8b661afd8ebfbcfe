export { Batcher, type BatcherOptions } from './batcher.js';
export {
  createTaskProcessor,
  type TaskProcessor,
  type TaskProcessorEvents,
  type TaskProcessorOptions,
} from './processor.js';
export { DEFAULT_RETRY, retryTransient, type RetryPolicy } from './retry.js';
export {
  createNotificationDispatcher,
  type NotificationDispatcher,
  type NotificationDispatcherEvents,
  type NotificationDispatcherOptions,
} from './dispatcher.js';
