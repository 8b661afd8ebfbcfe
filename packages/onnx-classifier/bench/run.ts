// Benchmark of @visionq/image-preprocess and @visionq/onnx-classifier (a script, not a test):
//   pnpm --filter @visionq/onnx-classifier bench [seconds-per-measurement (1)] [rounds (5)]
// Prints, in one run: inspect() on a 12-megapixel photo; toTensor images/s for a 640×480 and a 4032×3024 JPEG;
// raw onnxruntime images/s (session.run on this thread, tensors prepared beforehand) at batch 1/8/32 for the
// shared MobileNetV2 bench model and the bundled traffic-sign model; the same through OnnxClassifier (decoding
// included, inference in a worker thread) as a ratio to raw; and this thread's event-loop delay meanwhile.
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_DECODE_CONCURRENCY,
  allocateBatch,
  createPreprocessor,
  inspect,
} from '@visionq/image-preprocess';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import {
  createOnnxClassifier,
  loadModelMetadata,
  parseModelMetadata,
  type ModelMetadataInput,
} from '../src/index.js';
import { BENCH_METADATA } from '../test/models.js';
import { fmt, median, rate, type Rate } from './measure.js';

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 5);
const root = join(import.meta.dirname, '../../..');
const threads = availableParallelism();

const photo = (width: number, height: number) =>
  sharp({
    create: {
      width: Math.ceil(width / 4),
      height: Math.ceil(height / 4),
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .png()
    .toBuffer()
    .then((noise) => sharp(noise).resize(width, height).jpeg({ quality: 90 }).toBuffer());

console.log(`# visionq classifier benchmark`);
console.log(
  `${cpus()[0]?.model ?? 'cpu'}, ${threads} cores available (shared with other work), Node ${process.version}`,
);
console.log(
  `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), sharp.concurrency ${sharp.concurrency()}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`,
);
console.log(`${seconds} s per measurement; model figures: median of ${rounds} interleaved rounds\n`);

// What this machine does to an idle event loop: the floor under every loop-delay figure below.
{
  const idle = await rate(1, seconds, () => new Promise((resolve) => setTimeout(resolve, 5)));
  console.log(
    `idle event loop (a 5 ms timer, nothing else): p99 ${fmt(idle.loopP99Ms)} ms, max ${fmt(idle.loopMaxMs)} ms`,
  );
}

const phone = await photo(4032, 3024);
const vga = await photo(640, 480);
const small = await photo(224, 224);

// inspect(): header only, so its cost must not grow with the image.
{
  const n = 500;
  const started = performance.now();
  for (let i = 0; i < n; i++) await inspect(phone);
  const perCall = ((performance.now() - started) / n) * 1000;
  console.log(
    `inspect() on a 4032×3024 JPEG (${fmt(phone.length / 1e6)} MB): ${fmt(perCall, 0)} µs per call\n`,
  );
}

console.log(
  `| toTensor (224×224 NCHW float32, decodeConcurrency ${DEFAULT_DECODE_CONCURRENCY}) | images/s |`,
);
console.log('| --- | ---: |');
const preprocessor = createPreprocessor(BENCH_METADATA.preprocess);
for (const [name, bytes, batch] of [
  ['640×480 JPEG', vga, 16],
  ['4032×3024 JPEG', phone, 8],
] as const) {
  const images = Array<Uint8Array>(batch).fill(bytes);
  const result = await rate(batch, seconds, () => preprocessor.toBatch(images));
  console.log(`| ${name} | ${fmt(result.imagesPerSecond)} |`);
}
console.log();

const models: { label: string; path: string; metadata: ModelMetadataInput }[] = [];
const benchModel = join(root, '../shared/bench/mobilenet_v2-random.onnx');
if (existsSync(benchModel))
  models.push({ label: 'mobilenet_v2 (bench)', path: benchModel, metadata: BENCH_METADATA });
else console.log(`(skipping the bench model: ${benchModel} is absent)`);
const bundled = join(root, 'models/traffic-signs/traffic-signs.onnx');
if (existsSync(bundled))
  models.push({
    label: 'traffic-signs (bundled)',
    path: bundled,
    metadata: await loadModelMetadata(bundled.replace(/onnx$/, 'json')),
  });
else console.log(`(skipping the bundled model: ${bundled} is absent)`);

console.log(
  '| model | batch | raw img/s | raw: loop p99 / max ms | classifyTensor img/s | ratio | loop p99 / max ms, busy | classify, model-size JPEG img/s | ratio | loop p99 / max ms, busy | classify, 640×480 JPEG img/s | loop p99 ms |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const model of models) {
  const session = await InferenceSession.create(model.path, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // As the classifier's workers run it, so that the ratio measures the classifier, not a setting.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const spec = parseModelMetadata(model.metadata);
  const [input] = session.inputNames as [string];
  const { width, height } = spec.preprocess;
  const modelSize = await sharp(small)
    .resize(width, height, { fit: 'fill' })
    .jpeg({ quality: 90 })
    .toBuffer();
  for (const batch of [1, 8, 32]) {
    const dims = spec.preprocess.layout === 'NCHW' ? [batch, 3, height, width] : [batch, height, width, 3];
    const tensor = new Tensor(
      'float32',
      Float32Array.from({ length: batch * 3 * width * height }, Math.random),
      dims,
    );
    const classifier = await createOnnxClassifier({
      modelPath: model.path,
      metadata: model.metadata,
      workers: 1,
      intraOpNumThreads: threads,
      maxBatch: batch,
    });
    const perCall = batch * 4;
    const kinds = {
      raw: [batch, () => session.run({ [input]: tensor })],
      // Prepared tensors, two batches in flight so that the worker never waits: the classifier's own cost.
      tensors: [
        2 * batch,
        () => Promise.all([0, 1].map(() => classifier.classifyTensor(allocateBatch(spec.preprocess, batch)))),
      ],
      // Several batches per call, so that decoding the next overlaps inference of this one.
      jpeg: [perCall, () => classifier.classify(Array(perCall).fill(modelSize))],
      vga: [perCall, () => classifier.classify(Array(perCall).fill(vga))],
    } as const;
    // Other people's work comes and goes on this machine: measurements are interleaved, round after round, and
    // each figure is the median of its rounds, so that a burst of load hits every column alike.
    const samples: Record<keyof typeof kinds, Rate[]> = { raw: [], tensors: [], jpeg: [], vga: [] };
    for (let round = 0; round < rounds; round++)
      for (const [kind, [perStep, step]] of Object.entries(kinds))
        samples[kind as keyof typeof kinds].push(await rate(perStep, seconds, step));
    await classifier.close();
    const [raw, viaTensors, viaClassifier, endToEnd] = (['raw', 'tensors', 'jpeg', 'vga'] as const).map(
      (kind) => median(samples[kind]),
    ) as [Rate, Rate, Rate, Rate];
    console.log(
      `| ${model.label} | ${batch} | ${fmt(raw.imagesPerSecond)} | ${fmt(raw.loopP99Ms)} / ${fmt(raw.loopMaxMs)} | ${fmt(viaTensors.imagesPerSecond)} | ${fmt(viaTensors.imagesPerSecond / raw.imagesPerSecond, 2)} | ${fmt(viaTensors.loopP99Ms)} / ${fmt(viaTensors.loopMaxMs)}, ${fmt(viaTensors.loopUtilisation * 100, 0)}% | ${fmt(viaClassifier.imagesPerSecond)} | ${fmt(viaClassifier.imagesPerSecond / raw.imagesPerSecond, 2)} | ${fmt(viaClassifier.loopP99Ms)} / ${fmt(viaClassifier.loopMaxMs)}, ${fmt(viaClassifier.loopUtilisation * 100, 0)}% | ${fmt(endToEnd.imagesPerSecond)} | ${fmt(endToEnd.loopP99Ms)} |`,
    );
  }
  await session.release();
}
