import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelMetadataInput } from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures');
export const fixture = (name: string) => join(fixtures, `${name}.onnx`);

const repoRoot = join(import.meta.dirname, '../../..');

/** The shared MobileNetV2-sized benchmark model, beside the repository; tests that need it skip without it. */
export const BENCH_MODEL = join(repoRoot, '../shared/bench/mobilenet_v2-random.onnx');
export const benchModelAvailable = existsSync(BENCH_MODEL);
if (!benchModelAvailable) console.warn(`skipping tests on the benchmark model: ${BENCH_MODEL} is absent`);

/** Metadata for the benchmark model, which ships without any: 1000 ImageNet-style outputs. */
export const BENCH_METADATA: ModelMetadataInput = {
  name: 'mobilenet_v2-random',
  version: '1',
  labels: Array.from({ length: 1000 }, (_, i) => `class_${i}`),
  preprocess: { width: 224, height: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  output: { kind: 'logits' },
};
