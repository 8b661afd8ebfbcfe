import { InvalidRequestError } from '@visionq/core';
import type { ImageInput } from './types.js';

/** The multipart form field the API reads the image from. */
export const IMAGE_FIELD = 'image';

/**
 * The upload as a multipart body. The API sniffs the type from the bytes, so raw bytes need no content type;
 * a `File` keeps its name, anything else is called `image`.
 */
export function imageForm(image: ImageInput): FormData {
  let blob: Blob;
  if (image instanceof Blob) blob = image;
  else if (image instanceof ArrayBuffer) blob = new Blob([image]);
  else if (ArrayBuffer.isView(image))
    blob = new Blob([new Uint8Array(image.buffer, image.byteOffset, image.byteLength)]);
  else throw new InvalidRequestError('the image must be a Blob, a File, an ArrayBuffer or a typed array');
  if (blob.size === 0) throw new InvalidRequestError('the image is empty');
  const form = new FormData();
  const name = (image as { name?: unknown }).name;
  form.append(IMAGE_FIELD, blob, typeof name === 'string' && name !== '' ? name : 'image');
  return form;
}
