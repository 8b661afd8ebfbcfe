// Inference speed of the bundled model on this machine: raw onnxruntime-node images/s by batch size and
// thread count, then the whole path (JPEG decode + resize + normalise + inference) for the 640×480 sample.
//
//   pnpm --filter @visionq/model-traffic-signs bench

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { MODEL_DIR, MODEL_PATH, loadModel } from '../test/support/model.js';

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
  const session = await ort.InferenceSession.create(MODEL_PATH, { intraOpNumThreads: threads });
  const row: string[] = [];
  for (const n of BATCHES) {
    const input = new ort.Tensor('float32', new Float32Array(n * 3 * 96 * 96).fill(0.1), [n, 3, 96, 96]);
    row.push(`b${n}: ${(await rate(() => session.run({ input }), n)).toFixed(0)}`);
  }
  console.log(`raw onnxruntime, ${threads} intra-op thread(s), images/s  ${row.join('  ')}`);
  await session.release();
}

const model = await loadModel();
const jpeg = readFileSync(join(MODEL_DIR, 'samples', 'stop.jpg'));
for (const n of [1, 16]) {
  const images = Array.from({ length: n }, () => jpeg);
  const perS = await rate(() => model.classify(images), n);
  console.log(
    `640×480 JPEG → prediction (decode, resize, normalise, infer), batch ${n}: ${perS.toFixed(0)} images/s`,
  );
}
await model.close();
