import { targetSize, type ShrunkImage } from './size.js';
import type { UploadRecommendation } from './types.js';

/** The part of sharp's API used here; sharp is an optional peer dependency, so its types are not imported. */
interface SharpImage {
  rotate(): SharpImage;
  metadata(): Promise<{
    width?: number;
    height?: number;
    orientation?: number;
    autoOrient?: { width: number; height: number };
  }>;
  resize(options: { width: number; height: number; fit: 'fill' }): SharpImage;
  jpeg(options: { quality: number }): SharpImage;
  toBuffer(): Promise<Uint8Array>;
}
type Sharp = (input: Uint8Array, options?: { failOn?: 'none' | 'error' }) => SharpImage;

let loading: Promise<Sharp | undefined> | undefined;

/** sharp when it is installed, once; `undefined` otherwise. A variable specifier keeps bundlers away from it. */
function loadSharp(): Promise<Sharp | undefined> {
  const specifier = 'sharp';
  loading ??= import(/* webpackIgnore: true */ /* @vite-ignore */ specifier).then(
    (module: { default: Sharp }) => module.default,
    () => undefined,
  );
  return loading;
}

/** In Node: sharp's `rotate()` applies the EXIF orientation, then the photo is resized and encoded as JPEG. */
export async function shrinkWithSharp(
  bytes: Uint8Array,
  upload: UploadRecommendation,
): Promise<ShrunkImage | undefined> {
  const sharp = await loadSharp();
  if (!sharp) return undefined;
  try {
    // Header only: the upright size (sharp 0.34 gives it as autoOrient; 0.33 needs the EXIF orientation).
    const info = await sharp(bytes).metadata();
    const [width, height] = [info.width ?? 0, info.height ?? 0];
    const turned = (info.orientation ?? 1) >= 5;
    const upright = info.autoOrient ?? (turned ? { width: height, height: width } : { width, height });
    const size = upright.width > 0 ? targetSize(upright.width, upright.height, upload) : undefined;
    if (!size) return undefined;
    const shrunk = await sharp(bytes)
      .rotate()
      .resize({ ...size, fit: 'fill' })
      .jpeg({ quality: upload.quality })
      .toBuffer();
    return { bytes: shrunk, ...size };
  } catch {
    // Not an image sharp reads, or damaged: the API gives the precise answer (415, 422, or a failed task).
    return undefined;
  }
}
