import { availableParallelism } from 'node:os';
import { loadModelMetadata, metadataPathFor } from '@visionq/onnx-classifier';
import { configureSharp, createPreprocessor } from '@visionq/image-preprocess';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { median } from './stats.js';

export interface RawOptions {
  modelPath: string;
  images: Buffer[];
  seconds: number;
  batchSizes: number[];
  threads: number[];
  /** Images sharp decodes at once. */
  decodeConcurrency: number;
}

export interface RawResult {
  batch: number;
  threads: number;
  imagesPerSecond: number;
  /** CPU time this process spent per image (every thread), warm-up included. */
  cpuMsPerImage: number;
}

/**
 * The machine's limit for this model and these images: decode + resize + normalise (image-preprocess) and
 * `session.run` (onnxruntime-node) in one process, no HTTP, queue or store. The next batch decodes on libuv's
 * threadpool while this one runs, as the service does it, so the limit is not understated.
 */
export async function rawLimit(options: RawOptions): Promise<RawResult[]> {
  configureSharp({ cache: false });
  const metadata = await loadModelMetadata(metadataPathFor(options.modelPath));
  const spec = metadata.preprocess;
  const preprocessor = createPreprocessor(spec, { concurrency: options.decodeConcurrency });
  const results: RawResult[] = [];
  for (const threads of options.threads.filter((t) => t <= availableParallelism())) {
    const session = await InferenceSession.create(options.modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const input = metadata.input ?? (session.inputNames[0] as string);
    for (const batch of options.batchSizes) {
      let n = 0;
      const nextImages = () =>
        Array.from({ length: batch }, () => options.images[n++ % options.images.length]!);
      const run = async (tensor: Awaited<ReturnType<typeof preprocessor.toBatch>>['tensor']) =>
        session.run({ [input]: new Tensor(tensor.dtype, tensor.data, tensor.dims) });
      const cpu = process.cpuUsage();
      let next = preprocessor.toBatch(nextImages());
      await run((await next).tensor); // warm-up
      next = preprocessor.toBatch(nextImages());
      let images = 0;
      const started = performance.now();
      while (performance.now() - started < options.seconds * 1000) {
        const current = await next;
        next = preprocessor.toBatch(nextImages());
        await run(current.tensor);
        images += batch;
      }
      await next;
      const used = process.cpuUsage(cpu);
      results.push({
        batch,
        threads,
        imagesPerSecond: images / ((performance.now() - started) / 1000),
        cpuMsPerImage: (used.user + used.system) / 1000 / (images + 2 * batch),
      });
    }
    await session.release();
  }
  return results;
}

/** One image at a time, nothing overlapped: what a lone request costs at the least (ms, median). */
export async function rawSingleMs(
  modelPath: string,
  image: Buffer,
  repeats: number,
  threads: number,
): Promise<number> {
  const metadata = await loadModelMetadata(metadataPathFor(modelPath));
  const preprocessor = createPreprocessor(metadata.preprocess);
  const session = await InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const input = metadata.input ?? (session.inputNames[0] as string);
  const times: number[] = [];
  for (let i = 0; i < repeats + 3; i += 1) {
    const started = performance.now();
    const { tensor } = await preprocessor.toBatch([image]);
    await session.run({ [input]: new Tensor(tensor.dtype, tensor.data, tensor.dims) });
    if (i >= 3) times.push(performance.now() - started);
  }
  await session.release();
  return median(times);
}
