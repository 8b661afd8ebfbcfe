import type { ImageType } from '@visionq/core';
import type { Metadata } from 'sharp';

/**
 * Pixel limits below the general one, for formats whose decoder cannot shrink on load and costs so much per
 * pixel that a general-limit image would not fit a worker: AVIF (libheif decodes the whole frame and converts
 * it, ~19 bytes a pixel, measured: a 40-megapixel AVIF of 8 KB held 740 MB). 16 megapixels is above any phone's
 * default AVIF output and costs about 340 MB to decode.
 */
export const DEFAULT_MAX_PIXELS_BY_TYPE: Readonly<Partial<Record<ImageType, number>>> = {
  'image/avif': 16_000_000,
};

/** Held by any decode whatever its size: libvips' pipeline, the output, the thread's buffers. */
export const DECODE_OVERHEAD_BYTES = 16 * 2 ** 20;

const sampleBytes = (depth: string | undefined) =>
  depth === 'ushort' || depth === 'short' ? 2 : depth === 'uint' || depth === 'float' ? 4 : 1;

/**
 * Bytes of memory a decode holds per source pixel, by format and how its decoder works, measured with the
 * package's `bench/decode-memory.ts` on 40-megapixel images and rounded up:
 * - baseline JPEG and lossy WebP shrink on load (0.12 and 0.06 measured): the pixels are never held at full size;
 * - PNG and TIFF stream in strips (0.6–1.2); an interlaced PNG (3.3 RGB, 8.7 16-bit RGBA) and a TIFF that may
 *   be one strip are held whole, every channel and sample;
 * - progressive JPEG keeps every DCT coefficient, 2 bytes each (3.2 at 4:2:0, 6.1 at 4:4:4);
 * - lossless or extended WebP and GIF decode a whole RGBA frame (4.0 and 4.7);
 * - AVIF decodes the whole frame, in planes and then interleaved (18.7).
 */
export function decodeBytesPerPixel(type: ImageType, metadata: Metadata, bytes: Uint8Array): number {
  const channels = metadata.channels ?? 4;
  const whole = channels * sampleBytes(metadata.depth) + 1;
  switch (type) {
    case 'image/jpeg':
      return metadata.isProgressive ? 2 * channels + 0.5 : 0.25;
    case 'image/png':
      return metadata.isProgressive ? whole : 1.5;
    case 'image/tiff':
      return whole;
    case 'image/webp':
      // The first chunk says which codec: 'VP8 ' is plain lossy; 'VP8L' lossless, 'VP8X' extended (alpha, animation).
      return String.fromCharCode(...bytes.subarray(12, 16)) === 'VP8 ' ? 0.25 : 4.5;
    case 'image/gif':
      return 5;
    case 'image/avif':
      return 20;
  }
}

/** Estimated peak memory of decoding this image, from its header. */
export function decodeCost(
  type: ImageType,
  width: number,
  height: number,
  metadata: Metadata,
  bytes: Uint8Array,
): number {
  return DECODE_OVERHEAD_BYTES + Math.ceil(width * height * decodeBytesPerPixel(type, metadata, bytes));
}

/**
 * CPU a decode to a model's input costs per source pixel, in nanoseconds, by format and how it was encoded:
 * measured with the package's `bench/decode-cpu.ts` on photo-like 9-megapixel images (2026-12-01, a 2-core
 * machine: baseline JPEG 2.8, progressive 11.3, PNG 8.1, interlaced 9.9, lossy WebP 16.1, lossless 20.1, GIF 8.8,
 * AVIF 59.3, TIFF 8.6) and rounded up. Baseline JPEG is cheap because it shrinks on load; AVIF decodes every
 * pixel through a video codec.
 */
export function decodeNanosPerPixel(type: ImageType, metadata: Metadata, bytes: Uint8Array): number {
  switch (type) {
    case 'image/jpeg':
      return metadata.isProgressive ? 12 : 3;
    case 'image/png':
      return metadata.isProgressive ? 10 : 9;
    case 'image/tiff':
    case 'image/gif':
      return 9;
    case 'image/webp':
      return String.fromCharCode(...bytes.subarray(12, 16)) === 'VP8 ' ? 17 : 21;
    case 'image/avif':
      return 60;
  }
}

/** The unit `decodeUnits` counts in: the decode of a phone photo as taken, a 12-megapixel baseline JPEG. */
export const PHOTO_DECODE_NANOS = 12_000_000 * 3;

/**
 * What decoding this image costs, in phone photos (`PHOTO_DECODE_NANOS`), at least 1: what an upload counts
 * against a rate limit, so that a sender of images that are costly to decode (a 16-megapixel AVIF counts 27)
 * cannot take more of the decoders than a sender of ordinary photos.
 */
export function decodeUnits(
  type: ImageType,
  width: number,
  height: number,
  metadata: Metadata,
  bytes: Uint8Array,
): number {
  const nanos = width * height * decodeNanosPerPixel(type, metadata, bytes);
  return Math.max(1, Math.round(nanos / PHOTO_DECODE_NANOS));
}
