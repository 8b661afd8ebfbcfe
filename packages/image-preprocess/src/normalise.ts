import type { RawPixels } from './decode.js';
import { elementsPerImage, type PreprocessSpec } from './spec.js';

export type TensorData = Float32Array | Uint8Array;

const tables = new WeakMap<PreprocessSpec, Float32Array[]>();

/**
 * One 256-entry table per output channel: `(v * scale - mean) / std` for every byte value v, computed once per
 * spec, so that normalising is one lookup per element.
 */
function lookupTables(spec: PreprocessSpec): Float32Array[] {
  let known = tables.get(spec);
  if (!known) {
    known = spec.mean.map((mean, c) => {
      const std = spec.std[c] as number;
      return Float32Array.from({ length: 256 }, (_, v) => (v * spec.scale - mean) / std);
    });
    tables.set(spec, known);
  }
  return known;
}

/**
 * Writes one decoded image into `target` as image number `index` of a batch, in the spec's layout, channel
 * order and dtype. Reads the pixels once and writes each element once: no intermediate tensor.
 */
export function writeImage(pixels: RawPixels, spec: PreprocessSpec, target: TensorData, index: number): void {
  const size = elementsPerImage(spec);
  const offset = index * size;
  if (offset + size > target.length)
    throw new RangeError(`image ${index} does not fit a tensor of ${target.length} elements`);
  const planeSize = spec.width * spec.height;
  if (spec.channels === 1) {
    const lut = spec.dtype === 'float32' ? (lookupTables(spec)[0] as Float32Array) : IDENTITY;
    for (let i = 0; i < planeSize; i++) target[offset + i] = lut[pixels.data[i] as number] as number;
    return;
  }
  // Output channel c reads source channel c, or 2 - c for BGR.
  const bgr = spec.channelOrder === 'BGR';
  const [l0, l1, l2] = spec.dtype === 'float32' ? lookupTables(spec) : [IDENTITY, IDENTITY, IDENTITY];
  if (spec.layout === 'NCHW') {
    writePlanar(pixels.data, target, offset, planeSize, bgr, l0!, l1!, l2!);
  } else {
    writeInterleaved(pixels.data, target, offset, planeSize, bgr, l0!, l1!, l2!);
  }
}

/** 0..255 → itself, so that uint8 output shares the float path's loops. */
const IDENTITY = Float32Array.from({ length: 256 }, (_, v) => v);

// Pixel-major loops, one per layout: each pixel's three bytes are read together, and the body stays
// monomorphic (the hot path of the caller's thread).
function writePlanar(
  src: Uint8Array,
  dst: TensorData,
  offset: number,
  plane: number,
  bgr: boolean,
  l0: Float32Array,
  l1: Float32Array,
  l2: Float32Array,
): void {
  const first = bgr ? 2 : 0;
  const last = bgr ? 0 : 2;
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    dst[offset + i] = l0[src[p + first] as number] as number;
    dst[offset + plane + i] = l1[src[p + 1] as number] as number;
    dst[offset + 2 * plane + i] = l2[src[p + last] as number] as number;
  }
}

function writeInterleaved(
  src: Uint8Array,
  dst: TensorData,
  offset: number,
  plane: number,
  bgr: boolean,
  l0: Float32Array,
  l1: Float32Array,
  l2: Float32Array,
): void {
  const first = bgr ? 2 : 0;
  const last = bgr ? 0 : 2;
  for (let p = 0; p < plane * 3; p += 3) {
    dst[offset + p] = l0[src[p + first] as number] as number;
    dst[offset + p + 1] = l1[src[p + 1] as number] as number;
    dst[offset + p + 2] = l2[src[p + last] as number] as number;
  }
}
