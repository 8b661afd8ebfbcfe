import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { InvalidRequestError, TooLargeError, UnsupportedTypeError, type VisionqError } from '@visionq/core';
import type { BufferPool } from '@visionq/core/buffer-pool';
import { PooledSink, PooledStorage, sizeHint, type PooledFile } from './pooled-storage.js';

export const IMAGE_FIELD = 'image';

/**
 * Reads the upload into a buffer from `pool`, bounded by `maxBytes`: one file in multipart field `image` (through
 * multer), or a raw body with an `image/*` content type. The declared type is not trusted; the bytes are sniffed
 * afterwards. An empty file or body is no file (400). The caller holds the bytes and must `pool.release` them.
 */
export function readUpload(
  maxBytes: number,
  pool: BufferPool,
): (req: Request, res: Response) => Promise<Uint8Array> {
  const tooLarge = () => new TooLargeError(`the image is larger than ${maxBytes} bytes`);
  // A body far over the limit is answered 413 at once, while multer drains it; not after the last byte came.
  const tooLargeNow = new WeakMap<Request, (error: VisionqError) => void>();
  const multipart = multer({
    storage: new PooledStorage(pool, maxBytes, (req) => tooLargeNow.get(req as Request)?.(tooLarge())),
    // A field holds at most a device token (4 KiB) or a callback URL.
    limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 20, headerPairs: 100 },
  }).single(IMAGE_FIELD);
  const notEmpty = (bytes: Uint8Array, what: string) => {
    if (bytes.byteLength > 0) return bytes;
    pool.release(bytes);
    throw new InvalidRequestError(what);
  };

  return async (req, res) => {
    if (req.is('multipart/form-data')) {
      await new Promise<void>((resolve, reject) => {
        tooLargeNow.set(req, reject);
        multipart(req, res, (error?: unknown) => {
          tooLargeNow.delete(req);
          if (error) reject(multipartError(error, tooLarge));
          else resolve();
        });
      });
      const file = req.file as (Express.Multer.File & PooledFile) | undefined;
      if (!file) throw new InvalidRequestError(`no file in form field "${IMAGE_FIELD}"`);
      return notEmpty(file.bytes, `no file in form field "${IMAGE_FIELD}": the file is empty`);
    }
    if (req.is('image/*')) {
      const encoding = req.get('content-encoding');
      if (encoding && encoding.toLowerCase() !== 'identity') {
        req.resume();
        throw new UnsupportedTypeError('send the image without a Content-Encoding');
      }
      if (Number(req.get('content-length')) > maxBytes) {
        req.resume();
        throw tooLarge();
      }
      const bytes = await collect(req, new PooledSink(pool, sizeHint(req, maxBytes)), maxBytes, tooLarge);
      return notEmpty(bytes, 'the body is empty');
    }
    req.resume();
    throw new InvalidRequestError(
      `send multipart/form-data with one file in field "${IMAGE_FIELD}", or a raw body with an image/* content type`,
    );
  };
}

/** Multer's errors, and busboy's and the request's beneath them, as the API's typed errors. */
function multipartError(error: unknown, tooLarge: () => VisionqError): VisionqError {
  if (error instanceof MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return tooLarge();
      case 'LIMIT_UNEXPECTED_FILE':
      case 'LIMIT_FILE_COUNT':
        return new InvalidRequestError(`send exactly one file, in form field "${IMAGE_FIELD}"`);
      case 'LIMIT_FIELD_KEY':
      case 'LIMIT_FIELD_VALUE':
        return new InvalidRequestError('a form field is too long');
      case 'LIMIT_PART_COUNT':
        return new InvalidRequestError('too many parts in the multipart body');
      case 'LIMIT_FIELD_COUNT':
        return new InvalidRequestError('too many fields in the multipart body');
      default:
        return new InvalidRequestError('malformed multipart body', { cause: error });
    }
  }
  const message = error instanceof Error ? error.message : '';
  if (/^Request (aborted|closed)$/.test(message)) {
    return new InvalidRequestError('the upload was cut off', { cause: error });
  }
  return new InvalidRequestError('malformed multipart body', { cause: error });
}

function collect(
  req: Request,
  sink: PooledSink,
  maxBytes: number,
  tooLarge: () => VisionqError,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const fail = (error: VisionqError) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      sink.discard();
      req.resume(); // drained, so that the connection can carry the error response and the next request
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (sink.length + chunk.byteLength > maxBytes) fail(tooLarge());
      else sink.write(chunk);
    };
    const onEnd = () => resolve(sink.take());
    const onError = (cause: Error) => fail(new InvalidRequestError('the upload failed', { cause }));
    const onClose = () => !req.complete && fail(new InvalidRequestError('the upload was cut off'));
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}
