import { UnsupportedTypeError, type ImageType } from '@visionq/core';
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS_BY_TYPE, decodeUnits } from './cost.js';
import { detectImageType } from './detect.js';
import {
  DEFAULT_MAX_PIXELS,
  checkMaxPixels,
  pixelLimit,
  tooManyPixels,
  undecodable,
  type PixelLimits,
} from './errors.js';
import { checkTiffPages } from './tiff.js';

export interface InspectOptions {
  /** Largest width × height accepted (default 40 000 000). Larger images fail with `InvalidImageError`. */
  maxPixels?: number;
  /**
   * Lower limits for formats whose decoder cannot shrink on load (default: AVIF 16 000 000, see
   * `DEFAULT_MAX_PIXELS_BY_TYPE`). The lower of this and `maxPixels` applies.
   */
  maxPixelsByType?: Partial<Record<ImageType, number>>;
}

export interface ImageInfo {
  type: ImageType;
  /** Width as displayed, i.e. after the EXIF orientation is applied. */
  width: number;
  /** Height as displayed (of one frame, for animations). */
  height: number;
  /** Frames in an animated GIF or WebP (or pages of a TIFF); 1 for a still image. */
  pages: number;
  /** What decoding it costs, in phone photos, at least 1 (`decodeUnits`). */
  decodeUnits: number;
}

export function pixelLimits(options: InspectOptions): PixelLimits {
  const byType = options.maxPixelsByType ?? DEFAULT_MAX_PIXELS_BY_TYPE;
  for (const max of Object.values(byType)) checkMaxPixels(max);
  return { maxPixels: checkMaxPixels(options.maxPixels ?? DEFAULT_MAX_PIXELS), byType };
}

/** What the header says, once checked against the limits: no pixel decoded. */
export async function readHeader(
  bytes: Uint8Array,
  limits: PixelLimits,
): Promise<Omit<ImageInfo, 'decodeUnits'> & { metadata: sharp.Metadata }> {
  const type = detectImageType(bytes);
  if (!type) throw new UnsupportedTypeError();
  // Before libvips opens it: libvips walks every page of a TIFF, however many the file chains.
  if (type === 'image/tiff') checkTiffPages(bytes);
  let metadata: sharp.Metadata;
  try {
    // The limit is ours to apply below (with a message that says so); sharp's would read as a parse failure.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw undecodable(cause);
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!width || !height) throw undecodable(new Error('header has no dimensions'));
  const limit = pixelLimit(limits, type);
  if (width * height > limit.max) throw tooManyPixels(width, height, limit.max, limit.own ? type : undefined);
  return { type, width, height, pages: metadata.pages ?? 1, metadata };
}

/**
 * Reads the type and dimensions of an image from its header, without decoding pixels, so that an upload can be
 * refused before it is queued. Throws `UnsupportedTypeError` for anything that is not JPEG, PNG, WebP, GIF, AVIF
 * or TIFF by its bytes, and `InvalidImageError` for a header that does not parse, more pixels than allowed, or a
 * TIFF of more than `MAX_TIFF_PAGES` pages.
 */
export async function inspect(bytes: Uint8Array, options: InspectOptions = {}): Promise<ImageInfo> {
  const { metadata, ...info } = await readHeader(bytes, pixelLimits(options));
  // Only here: the worker's decode path reads the header too, and has no use for the count.
  return { ...info, decodeUnits: decodeUnits(info.type, info.width, info.height, metadata, bytes) };
}
