import type { PreprocessSpec } from './spec.js';

/**
 * What a client should send for a model: a JPEG whose short side is `short_side` pixels (never enlarged) and
 * whose long side is at most `max_side`. Computed from the preprocessing alone, so it holds for any model.
 */
export interface UploadRecommendation {
  /** Shrink so that the short side is at most this; a photo already smaller is sent as it is. */
  short_side: number;
  /** And so that the long side is at most this (panoramas). */
  max_side: number;
  /** The format to re-encode to. */
  type: 'image/jpeg';
  /** JPEG quality, 1–100. */
  quality: number;
}

/** How many input pixels each uploaded pixel side covers, at least: 4× keeps resampling and JPEG losses small. */
export const UPLOAD_OVERSAMPLING = 4;
/** Quality 90: JPEG's own losses stay under what the model's resize averages away. */
export const UPLOAD_JPEG_QUALITY = 90;

/**
 * The upload that loses nothing for this preprocessing. `fill` scales each axis to the input's and `cover` crops
 * the short side's square, so the short side must cover the input's larger side `UPLOAD_OVERSAMPLING` times;
 * `contain` fits the long side instead, so the short side may be anything and the long side is what counts.
 * The long side is capped at four times the short side: a panorama's short side then still covers the input
 * at least once.
 */
export function recommendUpload(
  spec: Pick<PreprocessSpec, 'width' | 'height' | 'resize'>,
): UploadRecommendation {
  const side = UPLOAD_OVERSAMPLING * Math.max(spec.width, spec.height);
  return spec.resize === 'contain'
    ? { short_side: side, max_side: side, type: 'image/jpeg', quality: UPLOAD_JPEG_QUALITY }
    : { short_side: side, max_side: 4 * side, type: 'image/jpeg', quality: UPLOAD_JPEG_QUALITY };
}
