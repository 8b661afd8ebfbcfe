// Runs the bundled model the way the service does: metadata from the JSON file, the image decoded and
// normalised by @visionq/image-preprocess, inference by onnxruntime-node.

import { join } from 'node:path';
import { allocateBatch, writeTensor } from '@visionq/image-preprocess';
import { loadModelMetadata, type ModelMetadata } from '@visionq/onnx-classifier';
import * as ort from 'onnxruntime-node';

export const MODEL_DIR = join(import.meta.dirname, '..', '..');
export const MODEL_PATH = join(MODEL_DIR, 'traffic-signs.onnx');
export const METADATA_PATH = join(MODEL_DIR, 'traffic-signs.json');

export interface Top1 {
  label: string;
  confidence: number;
}

export interface LoadedModel {
  metadata: ModelMetadata;
  session: ort.InferenceSession;
  classify(images: readonly Uint8Array[]): Promise<Top1[]>;
  close(): Promise<void>;
}

function softmaxTop1(logits: Float32Array, labels: readonly { id: string }[]): Top1 {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const best = exps.indexOf(Math.max(...exps));
  return { label: labels[best]?.id ?? String(best), confidence: (exps[best] ?? 0) / sum };
}

export async function loadModel(): Promise<LoadedModel> {
  const metadata = await loadModelMetadata(METADATA_PATH);
  const session = await ort.InferenceSession.create(MODEL_PATH, { intraOpNumThreads: 2 });
  const input = metadata.input ?? session.inputNames[0] ?? 'input';
  const output = metadata.output.name ?? session.outputNames[0] ?? 'logits';
  const classes = metadata.labels.length;
  return {
    metadata,
    session,
    async classify(images) {
      const batch = allocateBatch(metadata.preprocess, images.length);
      await Promise.all(images.map((bytes, i) => writeTensor(bytes, metadata.preprocess, batch, i)));
      const feeds = { [input]: new ort.Tensor(batch.dtype, batch.data, batch.dims) };
      const result = await session.run(feeds);
      const logits = result[output]?.data as Float32Array;
      return images.map((_, i) =>
        softmaxTop1(logits.subarray(i * classes, (i + 1) * classes), metadata.labels),
      );
    },
    close: () => session.release(),
  };
}
