export { createVisionqClient } from './client.js';
export type {
  ClassifyOptions,
  NotifyOptions,
  ResultOptions,
  SubmitOptions,
  VisionqClient,
} from './client.js';
export type { VisionqClientOptions } from './options.js';
export type { TokenProvider } from './transport.js';
export { VisionqApiError, type VisionqApiErrorOptions } from './errors.js';
export { isPending } from './types.js';
export type {
  EndedTask,
  ErrorBody,
  FailedTask,
  ImageInput,
  NotificationStatus,
  PendingTask,
  ScoredLabel,
  SucceededTask,
  TaskState,
} from './types.js';
