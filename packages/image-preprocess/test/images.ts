import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

// Test images, made here with sharp, one for each thing phones, editors and attackers really send.

type Colour = { r: number; g: number; b: number };
export const RED: Colour = { r: 255, g: 0, b: 0 };
export const GREEN: Colour = { r: 0, g: 255, b: 0 };
export const BLUE: Colour = { r: 0, g: 0, b: 255 };

export const solid = (colour: Colour, width = 32, height = 32) =>
  sharp({ create: { width, height, channels: 3, background: colour } });

export const solidPng = (colour: Colour, width = 32, height = 32) =>
  solid(colour, width, height).png().toBuffer();

/** Side-by-side bands of colour, left to right. */
export async function bands(colours: Colour[], bandWidth: number, height: number): Promise<sharp.Sharp> {
  const tiles = await Promise.all(colours.map((c) => solid(c, bandWidth, height).png().toBuffer()));
  return sharp({
    create: { width: bandWidth * colours.length, height, channels: 3, background: { r: 0, g: 0, b: 0 } },
  }).composite(tiles.map((input, i) => ({ input, left: i * bandWidth, top: 0 })));
}

/**
 * A photo-like JPEG: noise (which defeats compression, like a real photo's detail) made at a quarter of the size
 * and enlarged, because generating noise is the slow part.
 */
export const photoJpeg = async (width: number, height: number, quality = 90) => {
  const small = sharp({
    create: {
      width: Math.ceil(width / 4),
      height: Math.ceil(height / 4),
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  });
  const noise = await small.png().toBuffer();
  return sharp(noise).resize(width, height, { kernel: 'cubic' }).jpeg({ quality }).toBuffer();
};

/**
 * Stored 40×20 with red on the left and blue on the right, tagged EXIF orientation 6 (rotate 90° clockwise to
 * display), as phones save portrait photos: displayed 20×40, red on top.
 */
export const exifRotatedJpeg = async () =>
  (await bands([RED, BLUE], 20, 20)).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();

/** Fully transparent red: flattening must show the background, not red. */
export const transparentPng = () =>
  sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();

/** A one-channel PNG of grey level `level`. */
export const greyPng = (level: number) =>
  solid({ r: level, g: level, b: level }).toColourspace('b-w').png().toBuffer();

/** A CMYK JPEG (print workflows, some editors), red. */
export const cmykJpeg = () => solid(RED).toColourspace('cmyk').jpeg().toBuffer();

/** Two frames: red, then blue. Only the first may be used. */
export async function animated(format: 'gif' | 'webp'): Promise<Buffer> {
  const frames = await Promise.all([solidPng(RED), solidPng(BLUE)]);
  const joined = sharp(frames, { join: { animated: true } });
  return format === 'gif' ? joined.gif().toBuffer() : joined.webp({ lossless: true }).toBuffer();
}

export const truncated = (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2));

/** Starts like a JPEG, then garbage. */
export const corruptJpeg = () =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x5a)]);

export const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>',
);
export const HTML = Buffer.from('<!doctype html><html><body><img src="x.png"></body></html>');

// zlib.crc32 needs Node 20.15; the table-driven CRC-32 of the PNG spec is a few lines.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG header claiming width × height pixels, with almost no data: a decompression bomb's calling card. */
export function bombPng(width = 100_000, height = 100_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(4096))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A 16-bit-per-channel RGB PNG of (65535, 32768, 0), written by hand: sharp converts to 16-bit without
 * rescaling, so it cannot make a faithful one.
 */
export function sixteenBitPng(width = 16, height = 16): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 16;
  header[9] = 2;
  const row = Buffer.alloc(1 + width * 6);
  for (let x = 0; x < width; x++) {
    row.writeUInt16BE(65535, 1 + x * 6);
    row.writeUInt16BE(32768, 3 + x * 6);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(Array(height).fill(row)))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A little-endian TIFF of `pages` pages, each a 1×1 grey pixel (the same one), whose IFDs are chained one after
 * the other, or back to the first with `loop`.
 */
export function chainedTiff(pages: number, loop = false): Buffer {
  const entries: [tag: number, type: number, value: number][] = [
    [256, 3, 1], // ImageWidth
    [257, 3, 1], // ImageLength
    [258, 3, 8], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 1], // PhotometricInterpretation: BlackIsZero
    [273, 4, 8], // StripOffsets: the pixel after the header
    [277, 3, 1], // SamplesPerPixel
    [278, 3, 1], // RowsPerStrip
    [279, 4, 1], // StripByteCounts
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const first = 10;
  const bytes = Buffer.alloc(first + pages * ifdSize);
  bytes.write('II*\0', 0, 'latin1');
  bytes.writeUInt32LE(first, 4);
  bytes[8] = 0x80;
  for (let page = 0; page < pages; page++) {
    const at = first + page * ifdSize;
    bytes.writeUInt16LE(entries.length, at);
    entries.forEach(([tag, type, value], i) => {
      const entry = at + 2 + i * 12;
      bytes.writeUInt16LE(tag, entry);
      bytes.writeUInt16LE(type, entry + 2);
      bytes.writeUInt32LE(1, entry + 4);
      if (type === 3) bytes.writeUInt16LE(value, entry + 8);
      else bytes.writeUInt32LE(value, entry + 8);
    });
    const next = page + 1 < pages ? at + ifdSize : loop ? first : 0;
    bytes.writeUInt32LE(next, at + ifdSize - 4);
  }
  return bytes;
}

/** The reproduction of a decompression bomb by memory: a lossless AVIF of one colour, a few KB. */
export const flatAvif = (side: number) =>
  sharp({ create: { width: side, height: side, channels: 3, background: '#345678' } })
    .avif({ lossless: true, effort: 0 })
    .toBuffer();
