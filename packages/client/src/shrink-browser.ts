import { targetSize, type ShrunkImage } from './size.js';
import type { UploadRecommendation } from './types.js';

// DOM types are not in this package's compilation (it runs in Node too): the few used are declared here.
interface Bitmap {
  width: number;
  height: number;
  close(): void;
}
interface BitmapOptions {
  imageOrientation?: 'from-image';
  resizeWidth?: number;
  resizeHeight?: number;
  resizeQuality?: 'high';
}
interface Canvas2D {
  drawImage(image: Bitmap, x: number, y: number): void;
}
interface OffscreenCanvasLike {
  getContext(kind: '2d'): Canvas2D | null;
  convertToBlob(options: { type: string; quality: number }): Promise<Blob>;
}
interface HtmlCanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): Canvas2D | null;
  toBlob(done: (blob: Blob | null) => void, type: string, quality: number): void;
}
interface Browser {
  createImageBitmap(source: Blob | Bitmap, options?: BitmapOptions): Promise<Bitmap>;
  OffscreenCanvas?: new (width: number, height: number) => OffscreenCanvasLike;
  document?: { createElement(tag: 'canvas'): HtmlCanvasLike };
}

/**
 * In a browser: decoded with the EXIF orientation applied (`imageOrientation: 'from-image'`), resized by the
 * browser's high-quality scaler, drawn once and encoded as JPEG, on an OffscreenCanvas where there is one.
 */
export async function shrinkInBrowser(
  bytes: Uint8Array,
  upload: UploadRecommendation,
): Promise<ShrunkImage | undefined> {
  const browser = globalThis as unknown as Browser;
  let photo: Bitmap;
  try {
    photo = await browser.createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
      imageOrientation: 'from-image',
    });
  } catch {
    // Not an image this browser decodes (HEIC in most, a damaged file): the API answers for it.
    return undefined;
  }
  let small: Bitmap | undefined;
  try {
    const size = targetSize(photo.width, photo.height, upload);
    if (!size) return undefined;
    small = await browser.createImageBitmap(photo, {
      resizeWidth: size.width,
      resizeHeight: size.height,
      resizeQuality: 'high',
    });
    const blob = await encode(browser, small, size, upload.quality / 100);
    return blob ? { bytes: new Uint8Array(await blob.arrayBuffer()), ...size } : undefined;
  } finally {
    photo.close();
    small?.close();
  }
}

async function encode(
  browser: Browser,
  image: Bitmap,
  size: { width: number; height: number },
  quality: number,
): Promise<Blob | undefined> {
  if (browser.OffscreenCanvas) {
    const canvas = new browser.OffscreenCanvas(size.width, size.height);
    const context = canvas.getContext('2d');
    if (!context) return undefined;
    context.drawImage(image, 0, 0);
    return canvas.convertToBlob({ type: 'image/jpeg', quality });
  }
  const canvas = browser.document?.createElement('canvas');
  const context = canvas?.getContext('2d');
  if (!canvas || !context) return undefined;
  canvas.width = size.width;
  canvas.height = size.height;
  context.drawImage(image, 0, 0);
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob ?? undefined), 'image/jpeg', quality));
}
