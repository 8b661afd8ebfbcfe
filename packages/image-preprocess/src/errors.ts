import {
  InvalidImageError,
  TooLargeError,
  isVisionqError,
  type ImageType,
  type VisionqError,
} from '@visionq/core';

export const DEFAULT_MAX_PIXELS = 40_000_000;

const megapixels = (pixels: number) => `${Math.round(pixels / 1e5) / 10} megapixels`;

const FORMAT_NAMES: Record<ImageType, string> = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/webp': 'WebP',
  'image/gif': 'GIF',
  'image/avif': 'AVIF',
  'image/tiff': 'TIFF',
};

/** `type` names the format when the limit is that format's own. */
export function tooManyPixels(
  width: number,
  height: number,
  maxPixels: number,
  type?: ImageType,
): InvalidImageError {
  const limit = `${megapixels(maxPixels)}${type ? ` for ${FORMAT_NAMES[type]}` : ''}`;
  return new InvalidImageError(
    `image is ${width}×${height} (${megapixels(width * height)}), over the limit of ${limit}`,
  );
}

const megabytes = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)} MB`;

/** An image whose decode would need more memory than the whole budget: it could never be admitted. */
export function tooCostly(
  type: ImageType,
  width: number,
  height: number,
  cost: number,
  budget: number,
): TooLargeError {
  return new TooLargeError(
    `a ${width}×${height} ${FORMAT_NAMES[type]} image needs about ${megabytes(cost)} of memory to decode, more than the decode budget of ${megabytes(budget)}`,
  );
}

/**
 * What sharp throws is libvips' text; callers get a stable message and the original as `cause` (for logs), so
 * that neither a stack nor library internals reach a client.
 */
export function undecodable(cause: unknown): VisionqError {
  if (isVisionqError(cause)) return cause;
  return new InvalidImageError('image could not be decoded (corrupt, truncated or unsupported data)', {
    cause,
  });
}

/** Pixel limits: one for every format, and lower ones for some. */
export interface PixelLimits {
  maxPixels: number;
  byType: Readonly<Partial<Record<ImageType, number>>>;
}

/** The limit that applies to `type`, and whether it is that format's own. */
export function pixelLimit(limits: PixelLimits, type: ImageType): { max: number; own: boolean } {
  const own = limits.byType[type];
  return own !== undefined && own < limits.maxPixels
    ? { max: own, own: true }
    : { max: limits.maxPixels, own: false };
}

export function checkMaxPixels(maxPixels: number): number {
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1)
    throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  return maxPixels;
}
