export {
  LabelSchema,
  ModelMetadataSchema,
  loadModelMetadata,
  metadataPathFor,
  parseModelMetadata,
  type ModelMetadata,
  type ModelMetadataInput,
} from './metadata.js';
