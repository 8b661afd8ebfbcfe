export { detectImageType } from './detect.js';
export { DEFAULT_MAX_PIXELS } from './errors.js';
export { inspect, type ImageInfo, type InspectOptions } from './inspect.js';
export type { TensorData } from './normalise.js';
export { configureSharp, type SharpSettings } from './sharp-settings.js';
export {
  PreprocessSpecSchema,
  batchDims,
  elementsPerImage,
  parsePreprocessSpec,
  type PreprocessSpec,
  type PreprocessSpecInput,
} from './spec.js';
export {
  DEFAULT_DECODE_CONCURRENCY,
  allocateBatch,
  createPreprocessor,
  toTensor,
  writeTensor,
  type Batch,
  type ImageTensor,
  type Preprocessor,
  type PreprocessorOptions,
  type ToTensorOptions,
} from './tensor.js';
