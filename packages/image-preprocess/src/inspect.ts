import { UnsupportedTypeError, type ImageType } from '@visionq/core';
import sharp from 'sharp';
import { detectImageType } from './detect.js';
import { DEFAULT_MAX_PIXELS, checkMaxPixels, tooManyPixels, undecodable } from './errors.js';

export interface InspectOptions {
  /** Largest width × height accepted (default 40 000 000). Larger images fail with `InvalidImageError`. */
  maxPixels?: number;
}

export interface ImageInfo {
  type: ImageType;
  /** Width as displayed, i.e. after the EXIF orientation is applied. */
  width: number;
  /** Height as displayed (of one frame, for animations). */
  height: number;
  /** Frames in an animated GIF or WebP (or pages of a TIFF); 1 for a still image. */
  pages: number;
}

/**
 * Reads the type and dimensions of an image from its header, without decoding pixels, so that an upload can be
 * refused before it is queued. Throws `UnsupportedTypeError` for anything that is not JPEG, PNG, WebP, GIF, AVIF
 * or TIFF by its bytes, and `InvalidImageError` for a header that does not parse or more pixels than allowed.
 */
export async function inspect(bytes: Uint8Array, options: InspectOptions = {}): Promise<ImageInfo> {
  const maxPixels = checkMaxPixels(options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const type = detectImageType(bytes);
  if (!type) throw new UnsupportedTypeError();
  let metadata: sharp.Metadata;
  try {
    // The limit is ours to apply below (with a message that says so); sharp's would read as a parse failure.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw undecodable(cause);
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!width || !height) throw undecodable(new Error('header has no dimensions'));
  if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
  return { type, width, height, pages: metadata.pages ?? 1 };
}
