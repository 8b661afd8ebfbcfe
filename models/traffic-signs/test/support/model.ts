// Runs the bundled model the way the service does: through @visionq/onnx-classifier, which reads the metadata
// beside the model, decodes with @visionq/image-preprocess and runs onnxruntime-node in a worker thread.

import { join } from 'node:path';
import { createOnnxClassifier, type OnnxClassifier } from '@visionq/onnx-classifier';

export const MODEL_DIR = join(import.meta.dirname, '..', '..');
export const MODEL_PATH = join(MODEL_DIR, 'traffic-signs.onnx');
export const METADATA_PATH = join(MODEL_DIR, 'traffic-signs.json');

export interface Top1 {
  label: string;
  confidence: number;
}

/** The top-1 label of each image; a failed image (never expected here) throws its error. */
export async function top1(classifier: OnnxClassifier, images: readonly Uint8Array[]): Promise<Top1[]> {
  const results = await classifier.classify(images);
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return { label: r.prediction.label, confidence: r.prediction.confidence };
  });
}

export function loadModel(options: { intraOpNumThreads?: number } = {}): Promise<OnnxClassifier> {
  return createOnnxClassifier({ modelPath: MODEL_PATH, intraOpNumThreads: options.intraOpNumThreads ?? 2 });
}
