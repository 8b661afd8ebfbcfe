import type { VisionqError } from '@visionq/core';
import { availableParallelism } from 'node:os';
import { DecodeGate, DEFAULT_DECODE_BUDGET_BYTES } from './budget.js';
import { decodeCost } from './cost.js';
import { decodeRaw } from './decode.js';
import { tooCostly, undecodable } from './errors.js';
import { pixelLimits, readHeader, type InspectOptions } from './inspect.js';
import { writeImage, type TensorData } from './normalise.js';
import {
  batchDims,
  elementsPerImage,
  parsePreprocessSpec,
  type PreprocessSpec,
  type PreprocessSpecInput,
} from './spec.js';

/** A dense tensor ready for an inference runtime (onnxruntime's `new Tensor(dtype, data, dims)`). */
export interface ImageTensor {
  dtype: 'float32' | 'uint8';
  data: TensorData;
  /** `[n, C, H, W]` or `[n, H, W, C]`. */
  dims: [number, number, number, number];
}

/** A zero-filled tensor for `n` images, to be filled by `writeTensor` or `Preprocessor.toBatch`. */
export function allocateBatch(specInput: PreprocessSpecInput, n: number): ImageTensor {
  const spec = parsePreprocessSpec(specInput);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`batch size must be a whole number, got ${n}`);
  const length = n * elementsPerImage(spec);
  const data = spec.dtype === 'float32' ? new Float32Array(length) : new Uint8Array(length);
  return { dtype: spec.dtype, data, dims: batchDims(spec, n) };
}

/**
 * `maxPixels`: largest width × height decoded (default 40 000 000); `maxPixelsByType`: lower limits for
 * formats that cannot shrink on load (default AVIF 16 000 000). Both checked on the header, before decoding.
 */
export type ToTensorOptions = InspectOptions;

/**
 * Decodes one image and writes it as row `index` of `target` (a batch from `allocateBatch`), in place.
 * Rejects with `InvalidImageError` (undecodable, over the pixel limit) or `UnsupportedTypeError`.
 */
export async function writeTensor(
  bytes: Uint8Array,
  specInput: PreprocessSpecInput,
  target: ImageTensor,
  index: number,
  options: ToTensorOptions = {},
): Promise<void> {
  const spec = parsePreprocessSpec(specInput);
  const pixels = await decodeRaw(bytes, spec, pixelLimits(options));
  writeImage(pixels, spec, target.data, index);
}

/** Decodes one image into a tensor of batch size 1, exactly as the spec says. */
export async function toTensor(
  bytes: Uint8Array,
  spec: PreprocessSpecInput,
  options: ToTensorOptions = {},
): Promise<ImageTensor> {
  const tensor = allocateBatch(spec, 1);
  await writeTensor(bytes, spec, tensor, 0, options);
  return tensor;
}

export interface PreprocessorOptions extends ToTensorOptions {
  /**
   * Images decoded at once (default: cores, at most 4). Each decode occupies one libuv threadpool thread (4 by
   * default): more than `UV_THREADPOOL_SIZE` only queues work there and starves the pool's other users, and
   * each concurrent decode of a phone photo holds tens of megabytes, so more than the cores only costs memory.
   */
  concurrency?: number;
  /**
   * Bytes that the decodes running at once may hold, by their estimate from the header (format, size and how
   * its decoder works; see `decodeBytesPerPixel`). An image that does not fit what the running ones leave waits;
   * one that would not fit even alone fails with `TooLargeError`. Default 512 MiB (`DEFAULT_DECODE_BUDGET_BYTES`);
   * `decodeBudgetFor(await containerMemoryLimit())` sizes it from a container's memory limit.
   */
  memoryBudget?: number;
}

export interface Batch {
  /** The successfully decoded images, in input order, packed at the front of one buffer. */
  tensor: ImageTensor;
  /** For each row of `tensor`, the index of its image in the input. */
  rows: number[];
  /** For each input image, why it failed, or `undefined` if it is in the batch. */
  errors: (VisionqError | undefined)[];
}

export interface Preprocessor {
  readonly spec: PreprocessSpec;
  /** One image, batch size 1. */
  toTensor(bytes: Uint8Array): Promise<ImageTensor>;
  /**
   * Decodes every image (at most `concurrency` at once) straight into one preallocated batch tensor. An image
   * that fails is reported in `errors` and left out; the others are packed to the front, so the tensor holds
   * only real images. Never rejects for a bad image.
   */
  toBatch(images: readonly Uint8Array[]): Promise<Batch>;
  /** Decodes waiting or running now. */
  readonly pending: number;
  /** Estimated bytes held by the decodes running now, and the most they may hold. */
  readonly memory: { inUse: number; budget: number };
}

/** Cores, at most 4 (the libuv threadpool's default size); see the README's measurements. */
export const DEFAULT_DECODE_CONCURRENCY = Math.min(4, availableParallelism());

/** A preprocessor for one model's spec, with bounded concurrency shared by all its calls. */
export function createPreprocessor(
  specInput: PreprocessSpecInput,
  options: PreprocessorOptions = {},
): Preprocessor {
  const spec = parsePreprocessSpec(specInput);
  const limits = pixelLimits(options);
  const concurrency = options.concurrency ?? DEFAULT_DECODE_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const budget = options.memoryBudget ?? DEFAULT_DECODE_BUDGET_BYTES;
  if (!Number.isSafeInteger(budget) || budget < 1)
    throw new RangeError(`memoryBudget must be a positive integer, got ${budget}`);
  const gate = new DecodeGate(budget, concurrency);
  let pending = 0;
  const decode = async (bytes: Uint8Array) => {
    pending += 1;
    try {
      const { type, width, height, metadata } = await readHeader(bytes, limits);
      const cost = decodeCost(type, width, height, metadata, bytes);
      if (cost > budget) throw tooCostly(type, width, height, cost, budget);
      const release = await gate.acquire(cost);
      try {
        return await decodeRaw(bytes, spec, limits);
      } finally {
        release();
      }
    } finally {
      pending -= 1;
    }
  };

  return {
    spec,
    get pending() {
      return pending;
    },
    get memory() {
      return { inUse: gate.inUse, budget };
    },
    async toTensor(bytes) {
      const tensor = allocateBatch(spec, 1);
      writeImage(await decode(bytes), spec, tensor.data, 0);
      return tensor;
    },
    async toBatch(images) {
      const tensor = allocateBatch(spec, images.length);
      const errors: (VisionqError | undefined)[] = images.map(() => undefined);
      await Promise.all(
        images.map(async (bytes, i) => {
          try {
            writeImage(await decode(bytes), spec, tensor.data, i);
          } catch (error) {
            errors[i] = undecodable(error);
          }
        }),
      );
      return pack(spec, tensor, errors);
    },
  };
}

/** Moves the rows of good images over the gaps left by bad ones (a memmove; rare, and cheap next to decoding). */
function pack(spec: PreprocessSpec, tensor: ImageTensor, errors: (VisionqError | undefined)[]): Batch {
  const size = elementsPerImage(spec);
  const rows: number[] = [];
  errors.forEach((error, i) => {
    if (error) return;
    if (rows.length !== i) tensor.data.copyWithin(rows.length * size, i * size, (i + 1) * size);
    rows.push(i);
  });
  if (rows.length === errors.length) return { tensor, rows, errors };
  const data = tensor.data.subarray(0, rows.length * size);
  return { tensor: { ...tensor, data, dims: batchDims(spec, rows.length) }, rows, errors };
}
