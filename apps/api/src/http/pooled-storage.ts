import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import type { BufferPool } from '@visionq/core/buffer-pool';

/** What an upload's size is guessed at when the request does not declare it (chunked transfer). */
const UNDECLARED_SIZE_GUESS = 256 * 1024;

/** The first buffer to take for a body: its declared length, capped at the limit. */
export function sizeHint(req: Request, maxBytes: number): number {
  const declared = Number(req.get('content-length'));
  return Math.min(maxBytes, Number.isFinite(declared) ? declared : UNDECLARED_SIZE_GUESS);
}

/** Appends chunks to a pooled buffer, moving to a bigger one when it fills. */
export class PooledSink {
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

/** The file multer hands on: its bytes in a pooled buffer, which the holder must `pool.release`. */
export interface PooledFile {
  bytes: Uint8Array;
}

/**
 * A multer storage engine that copies each chunk of `file.stream` into a pooled buffer as it arrives, so that no
 * chunk outlives its read and no buffer is allocated per photo (`BufferPool` says why both matter). Multer keeps
 * doing the rest: limits, field handling, its errors, and removing what it stored when a request fails.
 */
export class PooledStorage implements StorageEngine {
  readonly #pool: BufferPool;
  readonly #maxBytes: number;
  readonly #onLimit: (req: Request) => void;

  /** `onLimit`: the file passed `maxBytes`, known before multer, which first drains the whole body, reports it. */
  constructor(pool: BufferPool, maxBytes: number, onLimit: (req: Request) => void = () => undefined) {
    this.#pool = pool;
    this.#maxBytes = maxBytes;
    this.#onLimit = onLimit;
  }

  _handleFile(
    req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File> & PooledFile) => void,
  ): void {
    const sink = new PooledSink(this.#pool, sizeHint(req, this.#maxBytes));
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      file.stream.off('data', onData);
      if (error) {
        sink.discard();
        callback(error);
      } else {
        const bytes = sink.take();
        callback(null, { bytes, size: bytes.byteLength });
      }
    };
    // Past the limit multer fails the request (LIMIT_FILE_SIZE); nothing beyond it is worth keeping.
    const onData = (chunk: Buffer) => sink.length + chunk.byteLength <= this.#maxBytes && sink.write(chunk);
    file.stream.on('data', onData);
    file.stream.once('limit', () => this.#onLimit(req));
    file.stream.once('end', () => settle());
    file.stream.once('error', settle);
    file.stream.once('close', () => settle(new Error('the file stream closed early')));
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    const { bytes } = file as Express.Multer.File & Partial<PooledFile>;
    if (bytes) this.#pool.release(bytes);
    callback(null);
  }
}
