import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeGate } from '../src/budget.js';
import {
  DEFAULT_DECODE_BUDGET_BYTES,
  containerMemoryLimit,
  createPreprocessor,
  decodeBudgetFor,
  inspect,
} from '../src/index.js';
import { chainedTiff, flatAvif, solidPng, RED } from './images.js';

const SPEC = { width: 32, height: 32 };
const MB = 2 ** 20;

describe('decoding is admitted by its cost in memory', () => {
  let bomb: Buffer;
  beforeAll(async () => {
    // The reproduction: 39.7 megapixels in about 8 KB, which held ~700 MB while libheif decoded it.
    bomb = await flatAvif(6300);
  }, 60_000);

  it('refuses the 6300×6300 lossless AVIF by its header, under the AVIF limit, without decoding it', async () => {
    const message = 'image is 6300×6300 (39.7 megapixels), over the limit of 16 megapixels for AVIF';
    expect(bomb.length).toBeLessThan(16_384);
    await expect(inspect(bomb)).rejects.toMatchObject({ code: 'invalid_image', message });
    const { errors, rows } = await createPreprocessor(SPEC).toBatch([bomb, await solidPng(RED)]);
    expect(errors[0]).toMatchObject({ code: 'invalid_image', message });
    expect(rows).toEqual([1]);
  });

  it('the general limit still applies when it is the lower one', async () => {
    await expect(inspect(bomb, { maxPixels: 1_000_000 })).rejects.toMatchObject({
      message: 'image is 6300×6300 (39.7 megapixels), over the limit of 1 megapixels',
    });
    // And a format's limit can be raised, where a worker has the memory for it.
    const info = await inspect(bomb, { maxPixelsByType: { 'image/avif': 40_000_000 } });
    expect([info.type, info.width]).toEqual(['image/avif', 6300]);
  });

  it('an image that could never fit the budget ends too_large, saying what it needs and the budget', async () => {
    // A progressive JPEG keeps every coefficient: about 6.5 bytes a pixel, 74 MB for 3000×3000.
    const progressive = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: RED } })
      .jpeg({ progressive: true })
      .toBuffer();
    const preprocessor = createPreprocessor(SPEC, { memoryBudget: 40 * MB });
    const { errors, rows } = await preprocessor.toBatch([progressive, await solidPng(RED)]);
    expect(errors[0]).toMatchObject({ code: 'too_large' });
    expect(errors[0]?.message).toMatch(
      /^a 3000×3000 JPEG image needs about \d+ MB of memory to decode, more than the decode budget of 40 MB$/,
    );
    expect(rows).toEqual([1]);
    // The same image decodes where the budget allows it.
    const roomy = await createPreprocessor(SPEC).toBatch([progressive]);
    expect(roomy.rows).toEqual([0]);
  });

  it('over-budget images wait for the running ones, whatever the concurrency', async () => {
    const avif = await flatAvif(1500); // about 61 MB to decode by the estimate
    const preprocessor = createPreprocessor(SPEC, { concurrency: 4, memoryBudget: 100 * MB });
    let most = 0;
    let mostInUse = 0;
    const watch = setInterval(() => {
      most = Math.max(most, sharp.counters().process);
      mostInUse = Math.max(mostInUse, preprocessor.memory.inUse);
    }, 1);
    try {
      const { rows } = await preprocessor.toBatch([avif, avif, avif]);
      expect(rows).toEqual([0, 1, 2]);
    } finally {
      clearInterval(watch);
    }
    expect(most).toBe(1);
    expect(mostInUse).toBeGreaterThan(50 * MB);
    expect(mostInUse).toBeLessThanOrEqual(100 * MB);
    expect(preprocessor.memory).toEqual({ inUse: 0, budget: 100 * MB });
  });

  it('refuses a budget that is not a positive integer', () => {
    expect(() => createPreprocessor(SPEC, { memoryBudget: 0 })).toThrow(RangeError);
    expect(() => createPreprocessor(SPEC, { memoryBudget: 1.5 })).toThrow(RangeError);
  });
});

describe('DecodeGate', () => {
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('admits by count and by cost; one that does not fit yet holds back no smaller one behind it', async () => {
    const gate = new DecodeGate(100, 3);
    const admitted: string[] = [];
    const take = (name: string, cost: number) =>
      gate.acquire(cost).then((release) => {
        admitted.push(name);
        return release;
      });
    const a = take('a', 60);
    const b = take('b', 60);
    const c = take('c', 30);
    await settled();
    expect(admitted).toEqual(['a', 'c']);
    expect(gate.inUse).toBe(90);
    (await a)();
    await settled();
    expect(admitted).toEqual(['a', 'c', 'b']);
    // Released twice is released once.
    (await a)();
    expect(gate.inUse).toBe(90);
    (await b)();
    (await c)();
    expect(gate.inUse).toBe(0);
  });

  it('admits no more than its concurrency, however cheap', async () => {
    const gate = new DecodeGate(100, 2);
    let admitted = 0;
    const releases = [1, 2, 3].map(() => gate.acquire(1).then((release) => ((admitted += 1), release)));
    await settled();
    expect(admitted).toBe(2);
    (await releases[0])?.();
    await settled();
    expect(admitted).toBe(3);
  });

  it('refuses a cost over the whole budget, which could never be admitted', () => {
    expect(() => new DecodeGate(100, 1).acquire(101)).toThrow(RangeError);
  });
});

describe('the budget from the container', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cgroup-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const cgroup = async (name: string, files: Record<string, string>) => {
    const dir = join(root, name);
    await mkdir(join(dir, 'memory'), { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
    return dir;
  };

  it('reads cgroup v2 memory.max, then v1 memory.limit_in_bytes; "max" or v1\'s near-2^63 is no limit', async () => {
    expect(await containerMemoryLimit(await cgroup('v2', { 'memory.max': '1073741824\n' }))).toBe(2 ** 30);
    expect(await containerMemoryLimit(await cgroup('v2max', { 'memory.max': 'max\n' }))).toBeUndefined();
    const v1 = await cgroup('v1', { 'memory/memory.limit_in_bytes': '536870912\n' });
    expect(await containerMemoryLimit(v1)).toBe(2 ** 29);
    const unlimited = await cgroup('v1max', { 'memory/memory.limit_in_bytes': '9223372036854771712\n' });
    expect(await containerMemoryLimit(unlimited)).toBeUndefined();
    expect(await containerMemoryLimit(join(root, 'nowhere'))).toBeUndefined();
  });

  it('takes half the limit, or 512 MiB where there is none', () => {
    expect(decodeBudgetFor(2 ** 30)).toBe(512 * MB);
    expect(decodeBudgetFor(undefined)).toBe(DEFAULT_DECODE_BUDGET_BYTES);
    expect(DEFAULT_DECODE_BUDGET_BYTES).toBe(512 * MB);
  });
});

describe('TIFF pages are counted by a bounded walk before libvips opens the file', () => {
  it('refuses 45 000 chained pages (libvips would walk them all, ~0.4 s of a core each time)', async () => {
    const tiff = chainedTiff(45_000);
    await expect(inspect(tiff)).rejects.toMatchObject({
      code: 'invalid_image',
      message: 'TIFF has more than 100 pages',
    });
    const { errors } = await createPreprocessor(SPEC).toBatch([tiff]);
    expect(errors[0]?.message).toBe('TIFF has more than 100 pages');
  });

  it('refuses pages that loop back', async () => {
    await expect(inspect(chainedTiff(3, true))).rejects.toMatchObject({
      code: 'invalid_image',
      message: 'TIFF pages form a loop',
    });
  });

  it('still reads a TIFF of a few pages, and one of exactly the limit', async () => {
    expect(await inspect(chainedTiff(3))).toMatchObject({ type: 'image/tiff', width: 1, pages: 3 });
    expect((await inspect(chainedTiff(100))).pages).toBe(100);
    const { rows } = await createPreprocessor(SPEC).toBatch([chainedTiff(3)]);
    expect(rows).toEqual([0]);
  });
});
