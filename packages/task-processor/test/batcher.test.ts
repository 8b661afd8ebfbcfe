import { gate, sleep } from '@visionq/core/testing';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher.js';

/** A batcher whose batches wait for `release`, recording each batch and how many ran at once. */
function recorder(options: { maxSize: number; maxDelayMs: number; maxConcurrent?: number }) {
  const batches: number[][] = [];
  let running = 0;
  let mostAtOnce = 0;
  let release = gate();
  let holding = true;
  const batcher = new Batcher<number, string>({
    ...options,
    run: async (items) => {
      batches.push(items);
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      if (holding) await release.promise;
      running -= 1;
      return items.map((item) => `#${item}`);
    },
  });
  return {
    batcher,
    batches,
    mostAtOnce: () => mostAtOnce,
    /** Lets the batches running now finish. */
    release: () => {
      release.open();
      release = gate();
    },
    /** Lets every batch, now and later, finish. */
    releaseAll: () => {
      holding = false;
      release.open();
    },
  };
}

describe('Batcher', () => {
  it('runs a lone item at once when a slot is free and maxDelayMs is 0', async () => {
    const { batcher, batches, release } = recorder({ maxSize: 8, maxDelayMs: 0 });
    const started = performance.now();
    const result = batcher.add(1);
    await sleep(20);
    expect(batches).toEqual([[1]]);
    release();
    await expect(result).resolves.toBe('#1');
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('holds an incomplete batch up to maxDelayMs for batch-mates, and runs a full one at once', async () => {
    const { batcher, batches, releaseAll } = recorder({ maxSize: 3, maxDelayMs: 150 });
    releaseAll();
    void batcher.add(1);
    await sleep(30);
    void batcher.add(2);
    expect(batches).toEqual([]);
    await sleep(200);
    expect(batches).toEqual([[1, 2]]);
    const full = [3, 4, 5].map((n) => batcher.add(n));
    await sleep(20);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    await expect(Promise.all(full)).resolves.toEqual(['#3', '#4', '#5']);
  });

  it('gathers what arrives while every slot is busy into the next batch, never more at once than maxConcurrent', async () => {
    const { batcher, batches, release, mostAtOnce } = recorder({
      maxSize: 4,
      maxDelayMs: 0,
      maxConcurrent: 1,
    });
    const all = [batcher.add(1)];
    await sleep(10);
    for (const n of [2, 3, 4, 5, 6, 7]) all.push(batcher.add(n));
    await sleep(10);
    expect(batches).toEqual([[1]]);
    release();
    await sleep(10);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
    release();
    await sleep(10);
    release();
    await expect(Promise.all(all)).resolves.toEqual(['#1', '#2', '#3', '#4', '#5', '#6', '#7']);
    expect(batches).toEqual([[1], [2, 3, 4, 5], [6, 7]]);
    expect(mostAtOnce()).toBe(1);
  });

  it('runs up to maxConcurrent batches side by side', async () => {
    const { batcher, batches, releaseAll, mostAtOnce } = recorder({
      maxSize: 1,
      maxDelayMs: 0,
      maxConcurrent: 3,
    });
    const all = [1, 2, 3, 4, 5].map((n) => batcher.add(n));
    await sleep(20);
    expect(batches).toEqual([[1], [2], [3]]);
    releaseAll();
    await Promise.all(all);
    expect(mostAtOnce()).toBe(3);
  });

  it('flush() stops waiting for batch-mates', async () => {
    const { batcher, batches, releaseAll } = recorder({ maxSize: 8, maxDelayMs: 60_000 });
    releaseAll();
    const result = batcher.add(1);
    await sleep(20);
    expect(batches).toEqual([]);
    batcher.flush();
    await expect(result).resolves.toBe('#1');
  });

  it('rejects every item of a batch that fails, and keeps going', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>({
      maxSize: 2,
      maxDelayMs: 0,
      run: (items) => {
        calls += 1;
        if (calls === 1) throw new Error('broken');
        return Promise.resolve(items.slice(0, 1));
      },
    });
    const first = [batcher.add(1), batcher.add(2)];
    await expect(Promise.allSettled(first)).resolves.toEqual([
      { status: 'rejected', reason: new Error('broken') },
      { status: 'rejected', reason: new Error('broken') },
    ]);
    const second = await Promise.allSettled([batcher.add(3), batcher.add(4)]);
    expect(second[0]).toEqual({ status: 'fulfilled', value: 3 });
    expect(second[1]).toMatchObject({
      status: 'rejected',
      reason: { message: 'batch returned 1 results for 2 items' },
    });
  });

  it('refuses nonsense options', () => {
    const run = async () => [];
    expect(() => new Batcher({ maxSize: 0, maxDelayMs: 0, run })).toThrow(RangeError);
    expect(() => new Batcher({ maxSize: 1, maxDelayMs: -1, run })).toThrow(RangeError);
    expect(() => new Batcher({ maxSize: 1, maxDelayMs: 0, maxConcurrent: 0, run })).toThrow(RangeError);
  });
});
