import { InvalidImageError, UnsupportedTypeError } from '@visionq/core';
import sharp, { type Metadata } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeUnits, detectImageType, inspect } from '../src/index.js';
import {
  HTML,
  RED,
  SVG,
  animated,
  bombPng,
  corruptJpeg,
  exifRotatedJpeg,
  photoJpeg,
  solid,
  solidPng,
} from './images.js';

describe('detectImageType', () => {
  it.each([
    ['image/jpeg', () => solid(RED).jpeg().toBuffer()],
    ['image/png', () => solid(RED).png().toBuffer()],
    ['image/webp', () => solid(RED).webp().toBuffer()],
    ['image/gif', () => solid(RED).gif().toBuffer()],
    ['image/avif', () => solid(RED).avif().toBuffer()],
    ['image/tiff', () => solid(RED).tiff().toBuffer()],
    [
      'image/tiff',
      () =>
        solid(RED)
          .tiff()
          .toBuffer()
          .then((b) => swapTiffByteOrder(b)),
    ],
  ])('recognises %s by its bytes', async (type, make) => {
    expect(detectImageType(await make())).toBe(type);
  });

  it.each([
    ['SVG', SVG],
    ['HTML', HTML],
    ['PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj')],
    ['HEIC', Buffer.from('000000186674797068656963000000006d69663168656963', 'hex')],
    ['empty', Buffer.alloc(0)],
    ['a lone JPEG marker', Buffer.from([0xff, 0xd8])],
  ])('refuses %s', (_, bytes) => {
    expect(detectImageType(bytes)).toBeUndefined();
  });

  it('finds AVIF among compatible brands (mif1 major brand)', () => {
    const ftyp = Buffer.from('0000001c6674797061766966000000006d696631617669666d696166', 'hex');
    ftyp.write('mif1', 8, 'latin1');
    expect(detectImageType(ftyp)).toBe('image/avif');
  });
});

/** The same TIFF content in big-endian ("MM") order is still TIFF; only the magic matters here. */
function swapTiffByteOrder(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy.write('MM', 0, 'latin1');
  copy.writeUInt16BE(42, 2);
  return copy;
}

describe('inspect', () => {
  it('reads type and size', async () => {
    expect(await inspect(await solidPng(RED, 30, 20))).toEqual({
      type: 'image/png',
      width: 30,
      height: 20,
      pages: 1,
      decodeUnits: 1,
    });
  });

  it('reports the size as displayed, after EXIF orientation', async () => {
    expect(await inspect(await exifRotatedJpeg())).toMatchObject({
      type: 'image/jpeg',
      width: 20,
      height: 40,
    });
  });

  it('reports frames of animations, and the size of one frame', async () => {
    expect(await inspect(await animated('gif'))).toEqual({
      type: 'image/gif',
      width: 32,
      height: 32,
      pages: 2,
      decodeUnits: 1,
    });
    expect(await inspect(await animated('webp'))).toEqual({
      type: 'image/webp',
      width: 32,
      height: 32,
      pages: 2,
      decodeUnits: 1,
    });
  });

  it('reads only the header: a 12-megapixel JPEG cut after its first 4 KiB still inspects', async () => {
    const photo = await photoJpeg(4032, 3024);
    expect(photo.length).toBeGreaterThan(1_000_000);
    expect(await inspect(photo.subarray(0, 4096))).toEqual({
      type: 'image/jpeg',
      width: 4032,
      height: 3024,
      pages: 1,
      decodeUnits: 1,
    });
  });

  it.each([
    ['SVG', SVG],
    ['HTML', HTML],
    ['text', Buffer.from('hello')],
  ])('refuses %s as an unsupported type', async (_, bytes) => {
    await expect(inspect(bytes)).rejects.toBeInstanceOf(UnsupportedTypeError);
  });

  it('refuses a header that does not parse, without leaking library text', async () => {
    const error = await inspect(corruptJpeg()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidImageError);
    expect((error as Error).message).toMatch(/could not be decoded/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('refuses a decompression bomb by its header, saying it is over the pixel limit', async () => {
    const error = await inspect(bombPng()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidImageError);
    expect((error as Error).message).toBe(
      'image is 100000×100000 (10000 megapixels), over the limit of 40 megapixels',
    );
  });

  it('counts what decoding costs in phone photos: a baseline JPEG photo 1, the same pixels as AVIF 20, a progressive JPEG 4', async () => {
    const photo = await photoJpeg(4032, 3024);
    expect((await inspect(photo)).decodeUnits).toBe(1);
    const pixels = sharp({ create: { width: 4032, height: 3024, channels: 3, background: RED } });
    expect((await inspect(await pixels.clone().avif({ effort: 0 }).toBuffer())).decodeUnits).toBe(20);
    expect((await inspect(await pixels.clone().jpeg({ progressive: true }).toBuffer())).decodeUnits).toBe(4);
    // The largest AVIF allowed (16 megapixels) counts 27; anything small counts 1, whatever its format.
    expect(decodeUnits('image/avif', 4000, 4000, {} as Metadata, new Uint8Array())).toBe(27);
    expect(decodeUnits('image/avif', 512, 384, {} as Metadata, new Uint8Array())).toBe(1);
  });

  it('applies a custom pixel limit exactly', async () => {
    const image = await solidPng(RED, 100, 50);
    await expect(inspect(image, { maxPixels: 5000 })).resolves.toMatchObject({ width: 100 });
    await expect(inspect(image, { maxPixels: 4999 })).rejects.toThrow(/over the limit/);
    await expect(inspect(image, { maxPixels: 0 })).rejects.toBeInstanceOf(RangeError);
  });

  it('inspects every supported type', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const) {
      const bytes = await sharp({ create: { width: 9, height: 7, channels: 3, background: RED } })
        .toFormat(format)
        .toBuffer();
      expect(await inspect(bytes)).toEqual({
        type: `image/${format}`,
        width: 9,
        height: 7,
        pages: 1,
        decodeUnits: 1,
      });
    }
  });
});
