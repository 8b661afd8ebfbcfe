import { UnsupportedTypeError, type ImageType, type VisionqError } from '@visionq/core';
import sharp from 'sharp';
import { detectImageType } from './detect.js';
import { pixelLimit, tooManyPixels, undecodable, type PixelLimits } from './errors.js';
import type { PreprocessSpec } from './spec.js';
import { checkTiffPages } from './tiff.js';

/** Interleaved 8-bit pixels (HWC) at the model's input size: RGB, or one grey channel. */
export interface RawPixels {
  data: Buffer;
  channels: 1 | 3;
}

/**
 * Decodes one image and resizes it to the model's input, entirely in libvips (on the libuv threadpool, off the
 * event loop). Phones' EXIF orientation is applied, only the first frame of an animation is read, alpha is
 * flattened onto the spec's background, and any colour space or bit depth (greyscale, CMYK, 16-bit) ends as
 * 8-bit sRGB or grey. The pixel limit (the format's own, if lower) is checked on the header before a single
 * pixel is decoded.
 */
export async function decodeRaw(
  bytes: Uint8Array,
  spec: PreprocessSpec,
  limits: PixelLimits,
): Promise<RawPixels> {
  const type = detectImageType(bytes);
  if (!type) throw new UnsupportedTypeError();
  const limit = pixelLimit(limits, type);
  const maxPixels = limit.max;
  if (type === 'image/tiff') checkTiffPages(bytes);
  const [r, g, b] = spec.background;
  const background = { r, g, b, alpha: 1 };
  try {
    // sharp checks `limitInputPixels` on the header, before decoding a single pixel.
    const image = sharp(bytes, {
      limitInputPixels: maxPixels,
      autoOrient: true,
      pages: 1,
      sequentialRead: true,
    });
    // Resizing before flattening does the per-pixel work at the model's size; sharp premultiplies alpha itself.
    const pipeline = image
      .resize(spec.width, spec.height, { fit: FITS[spec.resize], position: 'centre', background })
      .flatten({ background })
      .toColourspace(spec.channels === 1 ? 'b-w' : 'srgb')
      .raw({ depth: 'uchar' });
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    if (info.channels !== spec.channels || info.width !== spec.width || info.height !== spec.height)
      throw new Error(`decoded ${info.width}×${info.height}×${info.channels}, expected otherwise`);
    return { data, channels: spec.channels };
  } catch (cause) {
    throw await explain(bytes, maxPixels, limit.own ? type : undefined, cause);
  }
}

/** sharp's pixel-limit error says neither the size nor the limit; the header does (read only on this path). */
async function explain(
  bytes: Uint8Array,
  maxPixels: number,
  type: ImageType | undefined,
  cause: unknown,
): Promise<VisionqError> {
  if (cause instanceof Error && /pixel limit/i.test(cause.message)) {
    const { width, height } = await sharp(bytes, { limitInputPixels: false })
      .metadata()
      .catch(() => ({ width: 0, height: 0 }));
    if (width && height && width * height > maxPixels) return tooManyPixels(width, height, maxPixels, type);
  }
  return undecodable(cause);
}

const FITS = { fill: 'fill', cover: 'cover', contain: 'contain' } as const;
