import type { UploadRecommendation } from './types.js';

/** A photo re-encoded for upload. */
export interface ShrunkImage {
  bytes: Uint8Array;
  /** The shrunk photo's size in pixels, upright. */
  width: number;
  height: number;
}

/**
 * The size to shrink an upright `width`×`height` photo to, as `GET /model`'s `upload` asks: short side at most
 * `short_side`, long side at most `max_side`, never enlarged. `undefined` when it is small enough already.
 */
export function targetSize(
  width: number,
  height: number,
  upload: Pick<UploadRecommendation, 'short_side' | 'max_side'>,
): { width: number; height: number } | undefined {
  const scale = Math.min(
    upload.short_side / Math.min(width, height),
    upload.max_side / Math.max(width, height),
  );
  if (!(scale < 1)) return undefined;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
