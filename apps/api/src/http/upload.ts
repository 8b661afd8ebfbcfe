import type { Request } from 'express';
import busboy from 'busboy';
import { InvalidRequestError, TooLargeError, UnsupportedTypeError, type VisionqError } from '@visionq/core';
import type { BufferPool } from '@visionq/core/buffer-pool';

export const IMAGE_FIELD = 'image';

/** What an upload's size is guessed at when the request does not declare it (chunked transfer). */
const UNDECLARED_SIZE_GUESS = 256 * 1024;

/**
 * Reads the upload into a buffer from `pool`, bounded by `maxBytes`: one file in multipart field `image`, or a
 * raw body with an `image/*` content type. The declared type is not trusted; the bytes are sniffed afterwards.
 * The caller holds the bytes once and must `pool.release` them when done. Each chunk is copied into the pooled
 * buffer as it arrives, so that no chunk outlives its read (`BufferPool` says why that matters).
 */
export function readUpload(maxBytes: number, pool: BufferPool): (req: Request) => Promise<Uint8Array> {
  const tooLarge = () => new TooLargeError(`the image is larger than ${maxBytes} bytes`);
  return async (req) => {
    const declared = Number(req.get('content-length'));
    const sizeHint = Math.min(maxBytes, Number.isFinite(declared) ? declared : UNDECLARED_SIZE_GUESS);
    if (req.is('multipart/form-data')) return readMultipart(req, pool, sizeHint, maxBytes, tooLarge);
    if (req.is('image/*')) {
      const encoding = req.get('content-encoding');
      if (encoding && encoding.toLowerCase() !== 'identity') {
        req.resume();
        throw new UnsupportedTypeError(`send the image without a Content-Encoding (got ${encoding})`);
      }
      if (declared > maxBytes) {
        req.resume();
        throw tooLarge();
      }
      const sink = new PooledSink(pool, sizeHint);
      const bytes = await collect(req, sink, maxBytes, tooLarge);
      if (bytes.byteLength === 0) {
        pool.release(bytes);
        throw new InvalidRequestError('the body is empty');
      }
      return bytes;
    }
    req.resume();
    throw new InvalidRequestError(
      `send multipart/form-data with one file in field "${IMAGE_FIELD}", or a raw body with an image/* content type`,
    );
  };
}

/** Appends chunks to a pooled buffer, moving to a bigger one when it fills. */
class PooledSink {
  readonly #pool: BufferPool;
  #bytes: Uint8Array;
  #length = 0;

  constructor(pool: BufferPool, sizeHint: number) {
    this.#pool = pool;
    this.#bytes = pool.acquire(sizeHint);
  }

  get length(): number {
    return this.#length;
  }

  write(chunk: Uint8Array): void {
    const needed = this.#length + chunk.byteLength;
    if (needed > this.#bytes.byteLength) {
      const bigger = this.#pool.acquire(Math.max(needed, 2 * this.#bytes.byteLength));
      bigger.set(this.#bytes.subarray(0, this.#length));
      this.#pool.release(this.#bytes);
      this.#bytes = bigger;
    }
    this.#bytes.set(chunk, this.#length);
    this.#length = needed;
  }

  /** The bytes written; the caller now holds them. */
  take(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  discard(): void {
    this.#pool.release(this.#bytes);
  }
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

function readMultipart(
  req: Request,
  pool: BufferPool,
  sizeHint: number,
  maxBytes: number,
  tooLarge: () => VisionqError,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 20, headerPairs: 100 },
      });
    } catch (cause) {
      req.resume();
      reject(new InvalidRequestError('malformed multipart body', { cause }));
      return;
    }
    let sink: PooledSink | undefined;
    let done = false;
    const fail = (error: VisionqError) => {
      if (done) return;
      done = true;
      sink?.discard();
      req.unpipe(parser);
      parser.removeAllListeners().on('error', () => undefined);
      req.resume();
      reject(error);
    };
    const wrongParts = () =>
      fail(new InvalidRequestError(`send exactly one file, in form field "${IMAGE_FIELD}"`));

    const malformed = (cause: Error) => fail(new InvalidRequestError('malformed multipart body', { cause }));
    parser.on('file', (name, file) => {
      file.on('error', malformed); // a file cut short errs here as well as on the parser
      if (name !== IMAGE_FIELD) {
        file.resume();
        wrongParts();
        return;
      }
      sink = new PooledSink(pool, sizeHint);
      const into = sink;
      file.on('data', (chunk: Buffer) => !done && into.write(chunk));
      file.on('limit', () => fail(tooLarge()));
    });
    parser.on('field', (_name, _value, info) => {
      if (info.nameTruncated || info.valueTruncated)
        fail(new InvalidRequestError('a form field is too long'));
    });
    parser.on('filesLimit', wrongParts);
    parser.on('partsLimit', () => fail(new InvalidRequestError('too many parts in the multipart body')));
    parser.on('fieldsLimit', () => fail(new InvalidRequestError('too many fields in the multipart body')));
    parser.on('error', malformed);
    parser.on('finish', () => {
      if (done) return;
      done = true;
      if (!sink) reject(new InvalidRequestError(`no file in form field "${IMAGE_FIELD}"`));
      else resolve(sink.take());
    });
    req.once('close', () => !req.complete && fail(new InvalidRequestError('the upload was cut off')));
    req.pipe(parser);
  });
}
