import { InvalidImageError, isVisionqError, type VisionqError } from '@visionq/core';

export const DEFAULT_MAX_PIXELS = 40_000_000;

const megapixels = (pixels: number) => `${Math.round(pixels / 1e5) / 10} megapixels`;

export function tooManyPixels(width: number, height: number, maxPixels: number): InvalidImageError {
  return new InvalidImageError(
    `image is ${width}×${height} (${megapixels(width * height)}), over the limit of ${megapixels(maxPixels)}`,
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

export function checkMaxPixels(maxPixels: number): number {
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1)
    throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  return maxPixels;
}
