// Measures the sharp settings that matter to a long-running service (a script, not a test):
//   pnpm --filter @visionq/image-preprocess bench [seconds-per-measurement]
// Each configuration runs in a fresh process (UV_THREADPOOL_SIZE is read once, at start-up), decoding the same
// photos into a 224×224 float32 batch, then decoding 12-megapixel photos for a while to watch RSS grow.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { configureSharp, createPreprocessor } from '../src/index.js';

const spec = { width: 224, height: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

const photo = async (width: number, height: number) => {
  const noise = await sharp({
    create: {
      width: width / 4,
      height: height / 4,
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .png()
    .toBuffer();
  // Distinct bytes per copy, so that no cache can recognise a repeat.
  return sharp(noise).resize(width, height).jpeg({ quality: 90 }).toBuffer();
};

const read = (dir: string, prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => readFileSync(join(dir, `${prefix}-${i}.jpg`)));

async function child(
  dir: string,
  seconds: number,
  decodeConcurrency: number,
  sharpConcurrency: number,
  cache: boolean,
) {
  configureSharp({ cache, concurrency: sharpConcurrency });
  const preprocessor = createPreprocessor(spec, { concurrency: decodeConcurrency });
  const result: Record<string, number> = {};
  for (const [name, images] of [
    ['vga', read(dir, 'vga', 16)],
    ['phone', read(dir, 'phone', 8)],
  ] as const) {
    await preprocessor.toBatch(images);
    const started = performance.now();
    let done = 0;
    while (performance.now() - started < seconds * 1000) {
      await preprocessor.toBatch(images);
      done += images.length;
    }
    result[name] = done / ((performance.now() - started) / 1000);
  }
  // RSS after a stretch of phone photos, the case that fragments glibc's allocator.
  const phones = read(dir, 'phone', 8);
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 6; i++) await preprocessor.toBatch(phones);
  result.rssMb = process.memoryUsage().rss / 2 ** 20;
  result.rssGrowthMb = (process.memoryUsage().rss - before) / 2 ** 20;
  console.log(JSON.stringify(result));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'child') {
  const [dir, ...rest] = args as [string, ...string[]];
  const [seconds, decode, threads, cache] = rest.map(Number) as [number, number, number, number];
  await child(dir, seconds, decode, threads, cache === 1);
} else {
  const seconds = Number(mode ?? 3);
  // Distinct photos, made once and shared by every configuration's process.
  const dir = mkdtempSync(join(tmpdir(), 'visionq-sharp-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < 16; i++) writeFileSync(join(dir, `vga-${i}.jpg`), await photo(640, 480));
  for (let i = 0; i < 8; i++) writeFileSync(join(dir, `phone-${i}.jpg`), await photo(4032, 3024));
  console.log(
    `# sharp settings, ${availableParallelism()} cores (shared with other work), ${seconds} s per measurement`,
  );
  console.log(
    `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, default sharp.concurrency ${sharp.concurrency()}\n`,
  );
  console.log(
    '| UV_THREADPOOL_SIZE | decodeConcurrency | sharp.concurrency | cache | MALLOC_ARENA_MAX | 640×480 img/s | 4032×3024 img/s | RSS after 48 phone photos (MB) | growth (MB) |',
  );
  console.log('| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  // [UV_THREADPOOL_SIZE, decodeConcurrency, sharp.concurrency, cache, MALLOC_ARENA_MAX (0: glibc's default)]
  const configs: [number, number, number, number, number][] = [
    [4, 4, 1, 1, 0],
    [4, 4, 1, 0, 0],
    [4, 1, 1, 0, 0],
    [4, 2, 1, 0, 0],
    [4, 2, 2, 0, 0],
    [2, 2, 1, 0, 0],
    [8, 8, 1, 0, 0],
    [4, 4, 1, 0, 2],
    [2, 2, 1, 0, 2],
  ];
  for (const [uv, decode, threads, cache, arenas] of configs) {
    const env: NodeJS.ProcessEnv = { ...process.env, UV_THREADPOOL_SIZE: String(uv) };
    if (arenas > 0) env.MALLOC_ARENA_MAX = String(arenas);
    const out = execFileSync(
      process.execPath,
      [
        ...process.execArgv,
        import.meta.filename,
        'child',
        dir,
        String(seconds),
        String(decode),
        String(threads),
        String(cache),
      ],
      { env, encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim().split('\n').at(-1) as string) as Record<string, number>;
    const f = (v: number | undefined) => (v ?? NaN).toFixed(1);
    console.log(
      `| ${uv} | ${decode} | ${threads} | ${cache ? 'on' : 'off'} | ${arenas || 'default'} | ${f(r.vga)} | ${f(r.phone)} | ${f(r.rssMb)} | ${f(r.rssGrowthMb)} |`,
    );
  }
}
