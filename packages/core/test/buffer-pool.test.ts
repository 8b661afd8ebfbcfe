import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/buffer-pool.js';
import { InMemoryTaskQueue, VisionqError } from '../src/index.js';
import { taskMessage } from '../src/testing/index.js';

const MiB = 1024 * 1024;

describe('BufferPool', () => {
  it('hands out buffers in size classes: powers of two up to 1 MiB, then whole MiB', () => {
    const pool = new BufferPool({ maxFreeBytes: 64 * MiB });
    expect(pool.acquire(1).byteLength).toBe(64 * 1024);
    expect(pool.acquire(64 * 1024 + 1).byteLength).toBe(128 * 1024);
    expect(pool.acquire(MiB).byteLength).toBe(MiB);
    expect(pool.acquire(4.3e6).byteLength).toBe(5 * MiB);
  });

  it('reuses a buffer only once every holder released it', () => {
    const pool = new BufferPool({ maxFreeBytes: 64 * MiB });
    const first = pool.acquire(3 * MiB);
    pool.retain(first.subarray(0, 10)); // a view holds the same memory
    pool.release(first);
    expect(pool.acquire(3 * MiB).buffer).not.toBe(first.buffer);
    pool.release(first.subarray(5));
    expect(pool.stats().freeBytes).toBe(3 * MiB);
    expect(pool.acquire(2.5 * MiB).buffer).toBe(first.buffer);
    expect(pool.stats().freeBytes).toBe(0);
  });

  it('keeps at most maxFreeBytes waiting, and still hands out as many buffers as asked', () => {
    const pool = new BufferPool({ maxFreeBytes: 4 * MiB });
    const held = Array.from({ length: 5 }, () => pool.acquire(2 * MiB));
    expect(pool.stats().inUse).toBe(5);
    for (const bytes of held) pool.release(bytes);
    expect(pool.stats()).toEqual({ inUse: 0, freeBytes: 4 * MiB });
  });

  it('ignores memory it did not hand out, and a buffer released twice', () => {
    const pool = new BufferPool({ maxFreeBytes: 64 * MiB });
    pool.retain(new Uint8Array(10));
    pool.release(new Uint8Array(10));
    const bytes = pool.acquire(10);
    pool.release(bytes);
    pool.release(bytes);
    expect(pool.stats()).toEqual({ inUse: 0, freeBytes: 64 * 1024 });
  });
});

describe('InMemoryTaskQueue holding the publisher’s buffers (copyImages: false, imageHolder)', () => {
  const image = (pool: BufferPool, byte: number) => {
    const bytes = pool.acquire(100_000).subarray(0, 100_000);
    bytes.fill(byte);
    return bytes;
  };

  it('holds each image until its message is acknowledged or dead-lettered, not while it is retried', async () => {
    const pool = new BufferPool({ maxFreeBytes: 64 * MiB });
    const queue = new InMemoryTaskQueue({ copyImages: false, imageHolder: pool, deliveryLimit: 1 });
    const seen: number[] = [];
    const intact: boolean[] = [];
    const attempts = new Map<number, number>();
    let allSeen = () => undefined as void;
    const done = new Promise<void>((resolve) => (allSeen = resolve));
    const consumption = await queue.consume(
      async (task) => {
        // Read late, after the publisher has let go of every image (and would have reused them).
        await new Promise((resolve) => setTimeout(resolve, 5));
        const byte = task.image[0] as number;
        seen.push(byte);
        intact.push(task.image.every((value) => value === byte));
        if (seen.length === 4) allSeen();
        const attempt = (attempts.get(byte) ?? 0) + 1;
        attempts.set(byte, attempt);
        if (byte === 2 && attempt === 1) throw new Error('transient: try again');
        if (byte === 3) throw new VisionqError('invalid_image', 'never decodes');
      },
      { prefetch: 1 },
    );
    for (const byte of [1, 2, 3]) {
      const bytes = image(pool, byte);
      await queue.publish({ message: taskMessage(), image: bytes });
      pool.release(bytes); // the publisher is done with it; the queue still holds it
    }
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    await consumption.stop();
    // Each image was intact when delivered, the retried one both times, although the publisher let go at once.
    expect(seen).toEqual([1, 2, 2, 3]);
    expect(intact).toEqual([true, true, true, true]);
    expect(pool.stats().inUse).toBe(0);
    await queue.close();
  });
});
