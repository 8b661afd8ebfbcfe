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
  ModelDescription,
  ModelLabel,
  NotificationStatus,
  PendingTask,
  ScoredLabel,
  SucceededTask,
  TaskState,
  UploadRecommendation,
} from './types.js';
export { shrinkImage, targetSize, type ShrunkImage } from './shrink.js';
