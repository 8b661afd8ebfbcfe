import { shrinkInBrowser } from './shrink-browser.js';
import { shrinkWithSharp } from './shrink-node.js';
import type { ShrunkImage } from './size.js';
import type { UploadRecommendation } from './types.js';

export { targetSize, type ShrunkImage } from './size.js';

/**
 * The photo shrunk as the model asks, EXIF orientation applied: with the browser's own decoder where there is
 * one (`createImageBitmap`), else with sharp when it is installed. `undefined` means "send the original": the
 * photo is small already, nothing here can decode it (the API will say what is wrong with it), no encoder is
 * available, or the shrunk file would not be smaller.
 */
export async function shrinkImage(
  bytes: Uint8Array,
  upload: UploadRecommendation,
): Promise<ShrunkImage | undefined> {
  const shrunk =
    typeof (globalThis as { createImageBitmap?: unknown }).createImageBitmap === 'function'
      ? await shrinkInBrowser(bytes, upload)
      : await shrinkWithSharp(bytes, upload);
  return shrunk && shrunk.bytes.byteLength < bytes.byteLength ? shrunk : undefined;
}
