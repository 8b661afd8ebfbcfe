import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createOnnxClassifier } from '../src/index.js';
import { solidPng, RED } from '../../image-preprocess/test/images.js';
import { BENCH_METADATA, BENCH_MODEL, benchModelAvailable } from './models.js';

// Not a benchmark (bench/ measures): a check that a long batch does not hold the caller's thread. A batch of 32
// on MobileNetV2 keeps onnxruntime busy for a second or more here; had it run on this thread, the event loop
// would have stalled for all of it.
describe.skipIf(!benchModelAvailable)('inference runs off the caller’s thread', () => {
  it('the event loop keeps turning while a batch of 32 runs', async () => {
    const classifier = await createOnnxClassifier({
      modelPath: BENCH_MODEL,
      metadata: BENCH_METADATA,
      maxBatch: 32,
    });
    try {
      const images = Array(32).fill(await solidPng(RED, 224, 224));
      await classifier.classify(images.slice(0, 1)); // warm-up
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      const started = performance.now();
      const results = await classifier.classify(images);
      const elapsed = performance.now() - started;
      histogram.disable();
      expect(results.every((r) => r.ok)).toBe(true);
      // The longest stall is a small fraction of the batch's time.
      expect(histogram.max / 1e6).toBeLessThan(Math.max(100, elapsed / 4));
    } finally {
      await classifier.close();
    }
  });
});
