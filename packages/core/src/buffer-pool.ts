import type { BufferHolder } from './buffer-holder.js';

export type { BufferHolder } from './buffer-holder.js';

export interface BufferPoolOptions {
  /**
   * Most bytes kept in free buffers, waiting to be reused. A buffer released beyond it is left to the garbage
   * collector. Buffers in use are not counted: the pool never refuses to hand one out.
   */
  maxFreeBytes: number;
}

interface Slab {
  bytes: Uint8Array;
  holders: number;
}

const MiB = 1024 * 1024;
const SMALLEST = 64 * 1024;

/**
 * Reference-counted buffers for uploads, reused once every holder has released them.
 *
 * Why: a fresh multi-megabyte buffer per photo costs the kernel's page faults and zeroing, and counts towards
 * V8's external memory, which (with photos waiting in a queue long enough to outlive young-generation
 * collections) drives V8 into frequent full collections. Measured in the all-in-one service: reusing upload
 * buffers took its CPU per photo from 35 to 28–30 ms.
 *
 * Buffers come in sizes of powers of two up to 1 MiB, then whole MiB: a photo wastes at most half of its size
 * below 1 MiB and less than 1 MiB above. Releasing memory that did not come from the pool does nothing, so a
 * holder may release whatever it retained without knowing where it came from.
 */
export class BufferPool implements BufferHolder {
  readonly #maxFreeBytes: number;
  readonly #inUse = new Map<ArrayBufferLike, Slab>();
  readonly #free = new Map<number, Uint8Array[]>();
  #freeBytes = 0;

  constructor(options: BufferPoolOptions) {
    if (!(options.maxFreeBytes >= 0)) throw new RangeError('maxFreeBytes must be 0 or more');
    this.#maxFreeBytes = options.maxFreeBytes;
  }

  /** A buffer of at least `minBytes` (its contents are whatever was there), held once by the caller. */
  acquire(minBytes: number): Uint8Array {
    const size = sizeClass(Math.max(1, Math.ceil(minBytes)));
    let bytes = this.#free.get(size)?.pop();
    if (bytes) this.#freeBytes -= size;
    else bytes = new Uint8Array(size);
    this.#inUse.set(bytes.buffer, { bytes, holders: 1 });
    return bytes;
  }

  retain(bytes: Uint8Array): void {
    const slab = this.#inUse.get(bytes.buffer);
    if (slab) slab.holders += 1;
  }

  release(bytes: Uint8Array): void {
    const slab = this.#inUse.get(bytes.buffer);
    if (!slab) return;
    slab.holders -= 1;
    if (slab.holders > 0) return;
    this.#inUse.delete(bytes.buffer);
    const size = slab.bytes.byteLength;
    if (this.#freeBytes + size > this.#maxFreeBytes) return;
    const list = this.#free.get(size) ?? [];
    list.push(slab.bytes);
    this.#free.set(size, list);
    this.#freeBytes += size;
  }

  /** Buffers handed out and not yet released by every holder, and bytes waiting in the free lists. */
  stats(): { inUse: number; freeBytes: number } {
    return { inUse: this.#inUse.size, freeBytes: this.#freeBytes };
  }
}

function sizeClass(bytes: number): number {
  if (bytes <= SMALLEST) return SMALLEST;
  if (bytes <= MiB) return 2 ** Math.ceil(Math.log2(bytes));
  return Math.ceil(bytes / MiB) * MiB;
}
