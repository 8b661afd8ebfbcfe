export {
  LabelSchema,
  ModelMetadataSchema,
  loadModelMetadata,
  metadataPathFor,
  parseModelMetadata,
  type ModelMetadata,
  type ModelMetadataInput,
} from './metadata.js';
export { OnnxClassifier, createOnnxClassifier } from './classifier.js';
export type { OnnxClassifierOptions } from './options.js';
export { softmax, toPrediction } from './scores.js';
export { bindModel, type Binding, type ModelSignature, type ValueInfo } from './signature.js';
export { runCli, type CliIo } from './cli-main.js';
