import express, { type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { InvalidRequestError, TooLargeError, toVisionqError } from '@visionq/core';

export const IMAGE_FIELD = 'image';

/**
 * Reads the upload into memory, bounded by `maxBytes`: one file in multipart field `image`, or a raw body with an
 * `image/*` content type. The declared type is not trusted; the bytes are sniffed afterwards.
 */
export function readUpload(maxBytes: number): (req: Request, res: Response) => Promise<Buffer> {
  const multipart = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 20, headerPairs: 100 },
  }).single(IMAGE_FIELD);
  const raw = express.raw({ type: 'image/*', limit: maxBytes });
  const tooLarge = () => new TooLargeError(`the image is larger than ${maxBytes} bytes`);

  return async (req, res) => {
    if (req.is('multipart/form-data')) {
      await run(multipart, req, res).catch((error: unknown) => {
        if (error instanceof multer.MulterError) {
          if (error.code === 'LIMIT_FILE_SIZE') throw tooLarge();
          throw new InvalidRequestError(`send exactly one file, in form field "${IMAGE_FIELD}"`, {
            cause: error,
          });
        }
        throw new InvalidRequestError('malformed multipart body', { cause: error });
      });
      if (!req.file) throw new InvalidRequestError(`no file in form field "${IMAGE_FIELD}"`);
      return req.file.buffer;
    }
    if (req.is('image/*')) {
      await run(raw, req, res).catch((error: unknown) => {
        if ((error as { type?: string }).type === 'entity.too.large') throw tooLarge();
        throw toVisionqError(error);
      });
      if (!Buffer.isBuffer(req.body) || req.body.length === 0)
        throw new InvalidRequestError('the body is empty');
      return req.body;
    }
    throw new InvalidRequestError(
      `send multipart/form-data with one file in field "${IMAGE_FIELD}", or a raw body with an image/* content type`,
    );
  };
}

function run(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}
