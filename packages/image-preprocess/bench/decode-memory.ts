// Measures the memory one decode holds per source pixel, by format and encoding (a script, not a test): the
// figures behind `decodeBytesPerPixel`. Each image is decoded once to the model's size in a fresh process, and
// the peak RSS above that process's baseline is divided by the pixel count. Linux (reads /proc).
//   node --conditions=@visionq/source --import tsx bench/decode-memory.ts [side, default 6300]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { configureSharp, createPreprocessor } from '../src/index.js';

const flat = (side: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width: side, height: side, channels, background: '#345678' } });
const noise = (side: number) =>
  sharp({
    create: {
      width: side,
      height: side,
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  });

const VARIANTS: Record<string, (side: number) => sharp.Sharp> = {
  'jpeg baseline': (s) => flat(s).jpeg(),
  'jpeg progressive 4:2:0': (s) => flat(s).jpeg({ progressive: true }),
  'jpeg progressive 4:4:4': (s) => flat(s).jpeg({ progressive: true, chromaSubsampling: '4:4:4' }),
  png: (s) => noise(s).png({ compressionLevel: 1 }),
  'png 16-bit': (s) => flat(s).toColourspace('rgb16').png(),
  'png interlaced': (s) => flat(s).png({ progressive: true }),
  'png interlaced 16-bit RGBA': (s) => flat(s, 4).toColourspace('rgb16').png({ progressive: true }),
  'webp lossy': (s) => flat(s).webp({ effort: 0 }),
  'webp lossless': (s) => noise(s).webp({ lossless: true, effort: 0 }),
  gif: (s) => flat(s).gif({ effort: 1 }),
  'avif lossless': (s) => flat(s).avif({ lossless: true, effort: 0 }),
  'avif lossy': (s) => flat(s).avif({ effort: 0 }),
  'tiff deflate': (s) => flat(s).tiff({ compression: 'deflate' }),
  'tiff tiled': (s) => flat(s).tiff({ tile: true, compression: 'deflate' }),
};

async function child(file: string): Promise<void> {
  configureSharp({ cache: false });
  const bytes = readFileSync(file);
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const preprocessor = createPreprocessor(
    { width: 96, height: 96 },
    { maxPixels: 100_000_000, maxPixelsByType: {}, memoryBudget: 2 ** 40 },
  );
  const base = process.memoryUsage().rss;
  let peak = base;
  const watch = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const { errors } = await preprocessor.toBatch([bytes]);
  clearInterval(watch);
  // VmHWM, not `resourceUsage().maxRSS`: the latter carries the parent's peak over fork and exec.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  peak = Math.max(peak, Number(hwm?.[1] ?? 0) * 1024);
  if (errors[0]) throw errors[0];
  process.stdout.write(
    JSON.stringify({ peakMB: peak / 2 ** 20, perPixel: (peak - base) / (width * height) }),
  );
}

async function main(): Promise<void> {
  const side = Number(process.argv[2] ?? 6300);
  const dir = mkdtempSync(join(tmpdir(), 'decode-memory-'));
  try {
    console.log(`| ${side}×${side}               | file bytes | peak RSS (MB) | bytes per pixel |`);
    console.log('| -------------------------- | ---------- | ------------- | --------------- |');
    for (const [name, make] of Object.entries(VARIANTS)) {
      const file = join(dir, 'image');
      const bytes = await make(side).toBuffer();
      writeFileSync(file, bytes);
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, process.argv[1] as string, '--child', file],
        { encoding: 'utf8' },
      );
      const { peakMB, perPixel } = JSON.parse(out) as { peakMB: number; perPixel: number };
      console.log(
        `| ${name.padEnd(26)} | ${String(bytes.length).padStart(10)} | ${peakMB.toFixed(0).padStart(13)} | ${perPixel.toFixed(2).padStart(15)} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as string);
else await main();
