import { access } from 'node:fs/promises';
import {
  InvalidModelError,
  InvalidRequestError,
  UnavailableError,
  checkMinConfidence,
  type Classification,
  type Classifier,
  type ClassifyOptions,
  type ModelInfo,
  type Prediction,
} from '@visionq/core';
import {
  batchDims,
  createPreprocessor,
  type ImageTensor,
  type Preprocessor,
} from '@visionq/image-preprocess';
import pLimit, { type LimitFunction } from 'p-limit';
import { loadModelMetadata, metadataPathFor, parseModelMetadata, type ModelMetadata } from './metadata.js';
import { positiveInt, resolveOptions, type OnnxClassifierOptions } from './options.js';
import { SessionPool } from './pool.js';
import { toPrediction } from './scores.js';
import { bindModel, type Binding } from './signature.js';

/**
 * A `Classifier` on onnxruntime-node. Images are decoded on libuv's threadpool (sharp) while earlier batches run
 * in worker threads, so the caller's event loop only schedules work. Create it with `createOnnxClassifier`.
 */
export class OnnxClassifier implements Classifier {
  readonly model: ModelInfo;
  readonly metadata: ModelMetadata;
  /** Inference workers: batches run at once. */
  readonly slots: number;
  readonly #binding: Binding;
  readonly #pool: SessionPool;
  readonly #preprocessor: Preprocessor;
  readonly #topK: number;
  /** Batches decoding or running at once: enough to keep every worker busy, few enough to bound memory. */
  readonly #batches: LimitFunction;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  /** @internal use `createOnnxClassifier`. */
  constructor(parts: {
    metadata: ModelMetadata;
    binding: Binding;
    pool: SessionPool;
    preprocessor: Preprocessor;
    topK: number;
    workers: number;
  }) {
    this.metadata = parts.metadata;
    const { name, version, labels, noneLabel, minConfidence } = parts.metadata;
    this.model = {
      name,
      version,
      labels,
      ...(noneLabel && { noneLabel }),
      ...(minConfidence !== undefined && { minConfidence }),
    };
    this.#binding = parts.binding;
    this.#pool = parts.pool;
    this.#preprocessor = parts.preprocessor;
    this.#topK = parts.topK;
    this.slots = parts.workers;
    // A bound for callers that do not size themselves from `slots` (the task processor does).
    this.#batches = pLimit(parts.workers + 1);
  }

  /** Most images per `session.run`: the configured maximum, or 1 for a model whose batch is fixed to 1. */
  get maxBatch(): number {
    return this.#binding.maxBatch;
  }

  classify(images: readonly Uint8Array[], options: ClassifyOptions = {}): Promise<Classification[]> {
    if (this.#closing) return Promise.reject(new UnavailableError('classifier is closed'));
    let floor: number;
    try {
      floor = this.#floor(options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.#track(this.#classify(images, floor));
  }

  /** One image; resolves with its prediction, rejects with its error (`InvalidImageError`, …). */
  async classifyOne(image: Uint8Array, options?: ClassifyOptions): Promise<Prediction> {
    const [result] = await this.classify([image], options);
    if (!result?.ok) throw result?.error;
    return result.prediction;
  }

  /**
   * Classifies images you have already decoded and normalised (with `allocateBatch` + `writeTensor` from
   * `@visionq/image-preprocess`, or frames from elsewhere): `tensor` must have the model's dtype and dims for its
   * batch size. Its buffer is transferred to the inference thread, not copied: it is unusable afterwards.
   */
  classifyTensor(tensor: ImageTensor, options: ClassifyOptions = {}): Promise<Prediction[]> {
    if (this.#closing) return Promise.reject(new UnavailableError('classifier is closed'));
    let floor: number;
    try {
      floor = this.#floor(options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const spec = this.metadata.preprocess;
    const n = tensor.dims[0];
    const expected = batchDims(spec, n);
    if (
      tensor.dtype !== spec.dtype ||
      expected.some((dim, i) => dim !== tensor.dims[i]) ||
      tensor.data.length !== expected.reduce((a, b) => a * b, 1)
    )
      return Promise.reject(
        new InvalidRequestError(
          `tensor ${tensor.dtype} [${tensor.dims}] does not fit the model: expected ${spec.dtype} [${expected}]`,
        ),
      );
    const size = tensor.data.length / Math.max(n, 1);
    const step = this.#binding.maxBatch;
    const runs: Promise<Prediction[]>[] = [];
    for (let start = 0; start < n; start += step) {
      const rows = Math.min(step, n - start);
      // Within maxBatch the caller's buffer travels as it is; larger batches are cut into copies.
      const data = rows === n ? tensor.data : tensor.data.slice(start * size, (start + rows) * size);
      runs.push(
        this.#batches(() => this.#infer({ ...tensor, data, dims: batchDims(spec, rows) }, rows, floor)),
      );
    }
    return this.#track(Promise.all(runs).then((parts) => parts.flat()));
  }

  /** Waits for classifications in flight, then stops the workers. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= Promise.allSettled([...this.#inFlight]).then(() => this.#pool.close());
    return this.#closing;
  }

  /** Remembers work until it settles, so that `close()` can wait for it. */
  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  /** The call's floor, else the model's; `InvalidRequestError` outside 0–1. */
  #floor(options: ClassifyOptions): number {
    return checkMinConfidence(options.minConfidence ?? this.model.minConfidence ?? 0);
  }

  async #classify(images: readonly Uint8Array[], floor: number): Promise<Classification[]> {
    const results: Classification[] = new Array(images.length);
    const size = this.#binding.maxBatch;
    const chunks: number[][] = [];
    for (let start = 0; start < images.length; start += size)
      chunks.push(Array.from({ length: Math.min(size, images.length - start) }, (_, i) => start + i));
    await Promise.all(
      chunks.map((chunk) => this.#batches(() => this.#runBatch(images, chunk, results, floor))),
    );
    return results;
  }

  async #runBatch(
    images: readonly Uint8Array[],
    chunk: number[],
    results: Classification[],
    floor: number,
  ): Promise<void> {
    const batch = await this.#preprocessor.toBatch(chunk.map((i) => images[i] as Uint8Array));
    batch.errors.forEach((error, j) => {
      if (error) results[chunk[j] as number] = { ok: false, error };
    });
    if (batch.rows.length === 0) return;
    const predictions = await this.#infer(batch.tensor, batch.rows.length, floor);
    batch.rows.forEach((j, row) => {
      results[chunk[j] as number] = { ok: true, prediction: predictions[row] as Prediction };
    });
  }

  /** One `session.run` of `rows` images, in a worker; the tensor's buffer goes with it. */
  async #infer(tensor: ImageTensor, rows: number, floor: number): Promise<Prediction[]> {
    const scores = await this.#pool.run(tensor, this.#binding.input, this.#binding.output);
    const { labels } = this.metadata;
    if (scores.length !== rows * labels.length)
      throw new InvalidModelError(
        `the model returned ${scores.length / rows} scores per image, the metadata has ${labels.length} labels`,
      );
    return Array.from({ length: rows }, (_, row) => {
      const slice = scores.subarray(row * labels.length, (row + 1) * labels.length);
      try {
        return toPrediction(slice, labels, this.metadata.output.kind, this.#topK, this.model, floor);
      } catch (cause) {
        throw new InvalidModelError(`the model returned unusable scores: ${(cause as Error).message}`, {
          cause,
        });
      }
    });
  }
}

/**
 * Loads a model and its metadata, checks that they agree, and starts the worker threads. Rejects with
 * `InvalidModelError` naming what is wrong (unreadable file, invalid metadata, a mismatch with the model).
 */
export async function createOnnxClassifier(options: OnnxClassifierOptions): Promise<OnnxClassifier> {
  const resolved = resolveOptions(options);
  const metadata = options.metadata
    ? parseModelMetadata(options.metadata)
    : await loadModelMetadata(options.metadataPath ?? metadataPathFor(options.modelPath));
  const topK = Math.min(positiveInt('topK', options.topK, metadata.topK), metadata.labels.length);
  try {
    await access(options.modelPath);
  } catch (cause) {
    throw new InvalidModelError(`cannot read model file ${options.modelPath}`, { cause });
  }
  const preprocessor = createPreprocessor(metadata.preprocess, {
    concurrency: resolved.decodeConcurrency,
    ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
  });
  const pool = new SessionPool({
    modelPath: options.modelPath,
    workers: resolved.workers,
    intraOpNumThreads: resolved.intraOpNumThreads,
    spinning: resolved.spinning,
    niceness: resolved.niceness,
  });
  try {
    const binding = bindModel(metadata, await pool.describe(), resolved.maxBatch);
    return new OnnxClassifier({ metadata, binding, pool, preprocessor, topK, workers: resolved.workers });
  } catch (error) {
    await pool.close();
    throw error;
  }
}
