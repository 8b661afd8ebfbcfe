// Inference speed of the bundled model on this machine: raw onnxruntime-node images/s by batch size and
// thread count, then the whole path (JPEG decode + resize + normalise + inference) for the 640×480 sample.
//
//   pnpm --filter @visionq/model-traffic-signs bench                # the bundled model
//   pnpm --filter @visionq/model-traffic-signs bench other.onnx     # another, its .json beside it (e.g. v1)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createOnnxClassifier, loadModelMetadata, metadataPathFor } from '@visionq/onnx-classifier';
import * as ort from 'onnxruntime-node';
import { MODEL_DIR, MODEL_PATH } from '../test/support/model.js';

const modelPath = process.argv[2] ?? MODEL_PATH;
const { width, height } = (await loadModelMetadata(metadataPathFor(modelPath))).preprocess;
console.log(`${modelPath}: input ${width}×${height}`);

const SECONDS = 2;
const BATCHES = [1, 2, 4, 8, 16, 32, 64];

async function rate(run: () => Promise<unknown>, imagesPerRun: number): Promise<number> {
  for (let i = 0; i < 3; i++) await run();
  let images = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    await run();
    images += imagesPerRun;
  }
  return images / ((performance.now() - start) / 1000);
}

for (const threads of [1, 2]) {
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: threads });
  const row: string[] = [];
  for (const n of BATCHES) {
    const size = n * 3 * width * height;
    const input = new ort.Tensor('float32', new Float32Array(size).fill(0.1), [n, 3, height, width]);
    row.push(`b${n}: ${(await rate(() => session.run({ input }), n)).toFixed(0)}`);
  }
  console.log(`raw onnxruntime, ${threads} intra-op thread(s), images/s  ${row.join('  ')}`);
  await session.release();
}

const model = await createOnnxClassifier({ modelPath, intraOpNumThreads: 2 });
const jpeg = readFileSync(join(MODEL_DIR, 'samples', 'stop.jpg'));
for (const n of [1, 16]) {
  const images = Array.from({ length: n }, () => jpeg);
  const perS = await rate(() => model.classify(images), n);
  console.log(
    `640×480 JPEG → prediction (decode, resize, normalise, infer), batch ${n}: ${perS.toFixed(0)} images/s`,
  );
}
await model.close();
