import { availableParallelism } from 'node:os';
import { DEFAULT_DECODE_CONCURRENCY } from '@visionq/image-preprocess';
import type { ModelMetadataInput } from './metadata.js';

export interface OnnxClassifierOptions {
  /** Path of the `.onnx` file. Its metadata is read from the `.json` file beside it unless given below. */
  modelPath: string;
  /** Path of the metadata file (default: `modelPath` with `.json` for `.onnx`). */
  metadataPath?: string;
  /** The metadata itself, instead of a file. */
  metadata?: ModelMetadataInput;
  /** Worker threads, each with its own session (default 1). */
  workers?: number;
  /** onnxruntime intra-op threads per session (default: available cores ÷ workers, at least 1). */
  intraOpNumThreads?: number;
  /**
   * Let onnxruntime's intra-op threads spin-wait for work between runs (default false). Spinning shaves a little
   * latency off back-to-back runs but burns CPU that sharp's decoding and the caller's event loop need.
   */
  spinning?: boolean;
  /**
   * How much lower than the caller's the inference threads' CPU priority is: added to the caller's nice value,
   * capped at 19 (0–19; default 10; Linux only, elsewhere ignored). On a busy machine the caller's event loop then gets a core the moment it needs one, and
   * inference uses everything else.
   */
  niceness?: number;
  /** Most images in one `session.run` (default 32). Models with a batch dimension fixed to 1 run one at a time. */
  maxBatch?: number;
  /** Labels listed in each prediction's `top_k` (default: the metadata's `topK`, 5 unless set there). */
  topK?: number;
  /** Images decoded at once by sharp (default: cores, at most 4; see `@visionq/image-preprocess`). */
  decodeConcurrency?: number;
  /** Largest width × height decoded (default 40 000 000); larger images fail alone with `InvalidImageError`. */
  maxPixels?: number;
  /**
   * Bytes the decodes running at once may hold, by their estimate from each header (default 512 MiB; see
   * `@visionq/image-preprocess`'s `memoryBudget`). Images wait for room; one that could never fit fails alone
   * with `TooLargeError`.
   */
  decodeMemoryBudget?: number;
}

export interface ResolvedOptions {
  workers: number;
  intraOpNumThreads: number;
  spinning: boolean;
  niceness: number;
  maxBatch: number;
  decodeConcurrency: number;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved < 1)
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return resolved;
}

function niceness(value: number | undefined): number {
  const resolved = value ?? 10;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved > 19)
    throw new RangeError(`niceness must be an integer from 0 to 19, got ${String(value)}`);
  return resolved;
}

export function resolveOptions(options: OnnxClassifierOptions): ResolvedOptions {
  if (typeof options?.modelPath !== 'string' || options.modelPath.length === 0)
    throw new TypeError('modelPath is required: the path of an .onnx file');
  const workers = positiveInt('workers', options.workers, 1);
  return {
    workers,
    intraOpNumThreads: positiveInt(
      'intraOpNumThreads',
      options.intraOpNumThreads,
      Math.max(1, Math.floor(availableParallelism() / workers)),
    ),
    spinning: options.spinning ?? false,
    niceness: niceness(options.niceness),
    maxBatch: positiveInt('maxBatch', options.maxBatch, 32),
    decodeConcurrency: positiveInt(
      'decodeConcurrency',
      options.decodeConcurrency,
      DEFAULT_DECODE_CONCURRENCY,
    ),
  };
}

export { positiveInt };
