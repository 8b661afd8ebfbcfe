import { InvalidImageError, InvalidModelError, UnsupportedTypeError } from '@visionq/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  allocateBatch,
  createPreprocessor,
  parsePreprocessSpec,
  toTensor,
  writeTensor,
  type PreprocessSpecInput,
} from '../src/index.js';
import {
  BLUE,
  GREEN,
  HTML,
  RED,
  SVG,
  animated,
  bands,
  bombPng,
  cmykJpeg,
  corruptJpeg,
  exifRotatedJpeg,
  greyPng,
  photoJpeg,
  sixteenBitPng,
  solidPng,
  transparentPng,
  truncated,
} from './images.js';

/** Raw 0..255 values, NHWC RGB: what the image is, before normalisation. */
const RAW = { width: 2, height: 2, layout: 'NHWC', scale: 1, dtype: 'uint8' } as const;

/** The pixel at (x, y) of an NHWC uint8 tensor of width `w`. */
const pixel = (data: ArrayLike<number>, x: number, y: number, w = 2) =>
  Array.from({ length: 3 }, (_, c) => data[(y * w + x) * 3 + c] as number);

const near = (actual: number[], expected: number[], tolerance = 6) =>
  actual.every((v, i) => Math.abs(v - (expected[i] as number)) <= tolerance);

describe('toTensor: the spec drives layout, order and normalisation', () => {
  it('NCHW float32, RGB, scale/mean/std per channel', async () => {
    const spec: PreprocessSpecInput = {
      width: 4,
      height: 3,
      mean: [0.5, 0.25, 0],
      std: [0.5, 0.25, 2],
    };
    const tensor = await toTensor(await solidPng(RED), spec);
    expect(tensor.dtype).toBe('float32');
    expect(tensor.dims).toEqual([1, 3, 3, 4]);
    const planes = [0, 1, 2].map((c) => Array.from(tensor.data.subarray(c * 12, (c + 1) * 12)));
    expect(planes[0]).toEqual(Array(12).fill(1)); // (1 - 0.5) / 0.5
    expect(planes[1]).toEqual(Array(12).fill(-1)); // (0 - 0.25) / 0.25
    expect(planes[2]).toEqual(Array(12).fill(0));
  });

  it('NHWC with BGR puts blue first in each pixel', async () => {
    const tensor = await toTensor(await solidPng({ r: 255, g: 128, b: 0 }), {
      width: 2,
      height: 2,
      layout: 'NHWC',
      channelOrder: 'BGR',
      scale: 1,
    });
    expect(tensor.dims).toEqual([1, 2, 2, 3]);
    expect(Array.from(tensor.data.subarray(0, 6))).toEqual([0, 128, 255, 0, 128, 255]);
  });

  it('one grey channel, and uint8 raw values', async () => {
    const tensor = await toTensor(await greyPng(200), { ...RAW, channels: 1, mean: [0], std: [1] });
    expect(tensor.data).toBeInstanceOf(Uint8Array);
    expect(tensor.dims).toEqual([1, 2, 2, 1]);
    expect(Array.from(tensor.data)).toEqual([200, 200, 200, 200]);
  });

  it('fill stretches, cover crops the centre, contain letterboxes onto the background', async () => {
    const wide = await (await bands([RED, GREEN, BLUE], 10, 10)).png().toBuffer();
    const at = async (resize: 'fill' | 'cover' | 'contain') =>
      (await toTensor(wide, { ...RAW, width: 3, height: 3, resize, background: [255, 255, 255] })).data;
    // Lanczos rings a little at the colour edges.
    const fill = await at('fill');
    expect(near(pixel(fill, 0, 1, 3), [255, 0, 0], 30) && near(pixel(fill, 2, 1, 3), [0, 0, 255], 30)).toBe(
      true,
    );
    const cover = await at('cover');
    for (let x = 0; x < 3; x++)
      expect(near(pixel(cover, x, 1, 3), [0, 255, 0], 40), `cover x=${x}`).toBe(true);
    const contain = await at('contain');
    expect(pixel(contain, 1, 0, 3)).toEqual([255, 255, 255]);
    expect(pixel(contain, 1, 2, 3)).toEqual([255, 255, 255]);
    expect(near(pixel(contain, 1, 1, 3), [0, 255, 0], 40)).toBe(true);
  });
});

describe('toTensor: what phones and editors really send', () => {
  it('applies EXIF orientation (portrait photo: red on top)', async () => {
    const { data } = await toTensor(await exifRotatedJpeg(), RAW);
    expect(near(pixel(data, 0, 0), [255, 0, 0], 30)).toBe(true);
    expect(near(pixel(data, 1, 1), [0, 0, 255], 30)).toBe(true);
  });

  it('flattens alpha onto the spec background', async () => {
    const { data } = await toTensor(await transparentPng(), { ...RAW, background: [0, 0, 255] });
    expect(pixel(data, 0, 0)).toEqual([0, 0, 255]);
  });

  it('expands greyscale to three equal channels', async () => {
    const { data } = await toTensor(await greyPng(90), RAW);
    expect(pixel(data, 1, 1)).toEqual([90, 90, 90]);
  });

  it('reduces 16-bit to 8-bit', async () => {
    const bytes = sixteenBitPng();
    expect((await sharp(bytes).metadata()).depth).toBe('ushort');
    const { data } = await toTensor(bytes, RAW);
    expect(pixel(data, 0, 0)).toEqual([255, 128, 0]);
  });

  it('converts CMYK to sRGB', async () => {
    const bytes = await cmykJpeg();
    expect((await sharp(bytes).metadata()).space).toBe('cmyk');
    const [r, g, b] = pixel((await toTensor(bytes, RAW)).data, 0, 0);
    expect(r).toBeGreaterThan(180);
    expect(Math.max(g as number, b as number)).toBeLessThan(80);
  });

  it.each(['gif', 'webp'] as const)('reads the first frame of an animated %s', async (format) => {
    const { data } = await toTensor(await animated(format), RAW);
    expect(near(pixel(data, 0, 0), [255, 0, 0], 10)).toBe(true);
  });

  it.each([
    ['a truncated JPEG', async () => truncated(await photoJpeg(300, 200))],
    [
      'a truncated PNG',
      async () =>
        truncated(
          await sharp(await photoJpeg(300, 200))
            .png()
            .toBuffer(),
        ),
    ],
    ['corrupt data behind a JPEG marker', async () => corruptJpeg()],
  ])('refuses %s with InvalidImageError', async (_, make) => {
    const error = await toTensor(await make(), RAW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidImageError);
    expect((error as Error).message).not.toMatch(/vips|spng|\n/i);
  });

  it.each([
    ['SVG', SVG],
    ['HTML', HTML],
  ])('refuses %s with UnsupportedTypeError, never rendering it', async (_, bytes) => {
    await expect(toTensor(bytes, RAW)).rejects.toBeInstanceOf(UnsupportedTypeError);
  });

  it('refuses a decompression bomb before decoding it', async () => {
    const before = process.memoryUsage().rss;
    await expect(toTensor(bombPng(), RAW)).rejects.toThrow(/100000×100000 .* over the limit/);
    await expect(toTensor(await solidPng(RED, 100, 100), RAW, { maxPixels: 9999 })).rejects.toBeInstanceOf(
      InvalidImageError,
    );
    // 10 gigapixels decoded would need 30 GB; refusing from the header costs nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(200_000_000);
  });
});

describe('batches', () => {
  it('writeTensor fills one row of a preallocated batch in place', async () => {
    const batch = allocateBatch(RAW, 3);
    expect(batch.dims).toEqual([3, 2, 2, 3]);
    const buffer = batch.data.buffer;
    await writeTensor(await solidPng(GREEN), RAW, batch, 1);
    expect(batch.data.buffer).toBe(buffer);
    expect(Array.from(batch.data.subarray(0, 12))).toEqual(Array(12).fill(0));
    expect(pixel(batch.data.subarray(12), 1, 1)).toEqual([0, 255, 0]);
    await expect(writeTensor(await solidPng(GREEN), RAW, batch, 3)).rejects.toBeInstanceOf(RangeError);
  });

  it('toBatch packs good images at the front of one buffer and reports bad ones in place', async () => {
    const preprocessor = createPreprocessor(RAW, { concurrency: 2 });
    const images = [await solidPng(RED), corruptJpeg(), SVG, await solidPng(BLUE), await solidPng(GREEN)];
    const { tensor, rows, errors } = await preprocessor.toBatch(images);
    expect(rows).toEqual([0, 3, 4]);
    expect(tensor.dims).toEqual([3, 2, 2, 3]);
    expect(tensor.data.length).toBe(36);
    expect(tensor.data.buffer.byteLength).toBe(5 * 12);
    expect([0, 1, 2].map((row) => pixel(tensor.data.subarray(row * 12), 0, 0))).toEqual([
      [255, 0, 0],
      [0, 0, 255],
      [0, 255, 0],
    ]);
    expect(errors.map((e) => e?.constructor.name)).toEqual([
      undefined,
      'InvalidImageError',
      'UnsupportedTypeError',
      undefined,
      undefined,
    ]);
  });

  it('never decodes more images at once than its concurrency', async () => {
    const photo = await photoJpeg(1600, 1200);
    const preprocessor = createPreprocessor({ width: 64, height: 64 }, { concurrency: 2 });
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, sharp.counters().process)), 1);
    try {
      const work = preprocessor.toBatch(Array(8).fill(photo));
      expect(preprocessor.pending).toBe(8);
      const { rows } = await work;
      expect(rows).toHaveLength(8);
    } finally {
      clearInterval(watch);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
  });
});

describe('the spec', () => {
  it('fills defaults', () => {
    expect(parsePreprocessSpec({ width: 224, height: 224 })).toEqual({
      width: 224,
      height: 224,
      layout: 'NCHW',
      channels: 3,
      channelOrder: 'RGB',
      resize: 'fill',
      scale: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      dtype: 'float32',
      background: [0, 0, 0],
    });
  });

  it('spreads a one-value mean and std over every channel', () => {
    expect(parsePreprocessSpec({ width: 8, height: 8, mean: [0.5], std: [0.25] })).toMatchObject({
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
    });
  });

  it.each([
    [{ width: 0, height: 8 }, /width/],
    [{ width: 8, height: 8, mean: [0.1, 0.2] }, /mean has 2 values, the model has 3 channels/],
    [{ width: 8, height: 8, std: [0, 1, 1] }, /std/],
    [{ width: 8, height: 8, layout: 'CHW' }, /layout/],
    [{ width: 8, height: 8, dtype: 'uint8' }, /uint8 input requires scale 1/],
  ])('refuses %j with InvalidModelError naming the field', (spec, message) => {
    const attempt = () => parsePreprocessSpec(spec as PreprocessSpecInput);
    expect(attempt).toThrow(InvalidModelError);
    expect(attempt).toThrow(message);
  });
});
