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
  const { data } = pixels;
  const channels = spec.channels;
  const planeSize = spec.width * spec.height;
  // Output channel c reads source channel `source[c]`: BGR swaps the first and last.
  const source = channels === 3 && spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const luts = spec.dtype === 'float32' ? lookupTables(spec) : undefined;
  for (let c = 0; c < channels; c++) {
    const from = source[c] as number;
    const lut = luts?.[c];
    if (spec.layout === 'NCHW') {
      const base = offset + c * planeSize;
      if (lut)
        for (let i = 0; i < planeSize; i++)
          target[base + i] = lut[data[i * channels + from] as number] as number;
      else for (let i = 0; i < planeSize; i++) target[base + i] = data[i * channels + from] as number;
    } else {
      const base = offset + c;
      if (lut)
        for (let i = 0; i < planeSize; i++)
          target[base + i * channels] = lut[data[i * channels + from] as number] as number;
      else
        for (let i = 0; i < planeSize; i++) target[base + i * channels] = data[i * channels + from] as number;
    }
  }
}
