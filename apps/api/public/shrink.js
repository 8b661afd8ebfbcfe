// Shrinks a photo before upload to the size GET /model recommends, as @visionq/client does in browsers (this
// page has no build step, so it cannot import the client): EXIF orientation applied, the browser's
// high-quality scaler, JPEG. Anything it cannot do, it leaves to the original file: shrinking is an
// optimisation, never a requirement.

let recommendation = null;

/** GET /model's `upload`, asked once per page; null when the API has none to give. */
function recommended() {
  recommendation ??= fetch('/model')
    .then((res) => (res.ok ? res.json() : null))
    .then((model) => model?.upload ?? null)
    .catch(() => {
      recommendation = null;
      return null;
    });
  return recommendation;
}

/** The size to send an upright `width`×`height` photo at, or null when it is small enough already. */
function targetSize(width, height, upload) {
  const scale = Math.min(
    upload.short_side / Math.min(width, height),
    upload.max_side / Math.max(width, height),
  );
  if (!(scale < 1)) return null;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The photo to upload: a smaller JPEG Blob, or `file` itself. */
export async function shrinkForUpload(file) {
  const upload = await recommended();
  if (!upload || typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function')
    return file;
  let photo;
  try {
    photo = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file; // not an image this browser decodes: the API says what is wrong with it
  }
  let small = null;
  try {
    const size = targetSize(photo.width, photo.height, upload);
    if (!size) return file;
    small = await createImageBitmap(photo, {
      resizeWidth: size.width,
      resizeHeight: size.height,
      resizeQuality: 'high',
    });
    const canvas = new OffscreenCanvas(size.width, size.height);
    canvas.getContext('2d').drawImage(small, 0, 0);
    const blob = await canvas.convertToBlob({ type: upload.type, quality: upload.quality / 100 });
    return blob.size < file.size ? blob : file;
  } finally {
    photo.close();
    small?.close();
  }
}
