export { DEFAULT_DECODE_BUDGET_BYTES, containerMemoryLimit, decodeBudgetFor } from './budget.js';
export {
  DECODE_OVERHEAD_BYTES,
  DEFAULT_MAX_PIXELS_BY_TYPE,
  PHOTO_DECODE_NANOS,
  decodeBytesPerPixel,
  decodeCost,
  decodeNanosPerPixel,
  decodeUnits,
} from './cost.js';
export { detectImageType } from './detect.js';
export { DEFAULT_MAX_PIXELS } from './errors.js';
export { inspect, type ImageInfo, type InspectOptions } from './inspect.js';
export { MAX_TIFF_PAGES, checkTiffPages } from './tiff.js';
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
export {
  UPLOAD_JPEG_QUALITY,
  UPLOAD_OVERSAMPLING,
  recommendUpload,
  type UploadRecommendation,
} from './upload.js';
