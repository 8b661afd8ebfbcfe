// Measures the CPU one decode costs per source pixel, by format and encoding (a script, not a test): the figures
// behind `decodeNanosPerPixel`. Photo-like content (smooth noise, drawn small and scaled up), since how much a
// decoder has to do depends on what is in the picture; each image decoded to the model's size in this process,
// one at a time, the median CPU time (all threads) of `runs` decodes divided by the pixel count.
//   node --conditions=@visionq/source --import tsx bench/decode-cpu.ts [side, default 3000] [runs, default 5]
import sharp from 'sharp';
import { configureSharp, createPreprocessor } from '../src/index.js';

async function encode(side: number, make: (image: sharp.Sharp) => sharp.Sharp, channels: 3 | 4 = 3) {
  const small = await sharp({
    create: {
      width: Math.ceil(side / 4),
      height: Math.ceil(side / 4),
      channels,
      background: { r: 90, g: 120, b: 150, alpha: 1 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .png()
    .toBuffer();
  return make(sharp(small).resize(side, side)).toBuffer();
}

const VARIANTS: Record<string, [(image: sharp.Sharp) => sharp.Sharp, (3 | 4)?]> = {
  'jpeg baseline q90': [(i) => i.jpeg({ quality: 90 })],
  'jpeg progressive q90': [(i) => i.jpeg({ quality: 90, progressive: true })],
  png: [(i) => i.png({ compressionLevel: 6 })],
  'png interlaced': [(i) => i.png({ progressive: true })],
  'webp lossy q80': [(i) => i.webp({ quality: 80 })],
  'webp lossless': [(i) => i.webp({ lossless: true, effort: 0 })],
  gif: [(i) => i.gif({ effort: 1 })],
  'avif lossy q50': [(i) => i.avif({ quality: 50, effort: 0 })],
  'tiff deflate': [(i) => i.tiff({ compression: 'deflate' })],
};

const side = Number(process.argv[2] ?? 3000);
const runs = Number(process.argv[3] ?? 5);
configureSharp({ cache: false });
const preprocessor = createPreprocessor(
  { width: 128, height: 128 },
  { maxPixels: 100_000_000, maxPixelsByType: {}, memoryBudget: 2 ** 40, concurrency: 1 },
);
console.log(`| ${side}×${side}, photo-like    | file bytes | CPU ms (median of ${runs}) | ns per pixel |`);
console.log('| -------------------------- | ---------- | ------------------- | ------------ |');
for (const [name, [make, channels]] of Object.entries(VARIANTS)) {
  const bytes = await encode(side, make, channels);
  const times: number[] = [];
  for (let i = 0; i <= runs; i += 1) {
    const before = process.cpuUsage();
    const { errors } = await preprocessor.toBatch([bytes]);
    if (errors[0]) throw errors[0];
    const used = process.cpuUsage(before);
    // The first is a warm-up.
    if (i > 0) times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)] as number;
  console.log(
    `| ${name.padEnd(26)} | ${String(bytes.length).padStart(10)} | ${ms.toFixed(1).padStart(19)} | ${((ms * 1e6) / (side * side)).toFixed(2).padStart(12)} |`,
  );
}
