// Does shrinking a photo before upload, as the clients do, change the bundled model's answers? Held-out real
// photographs (Debian's Lomiri wallpapers, which training never saw) at their full size, with signs drawn on
// them as the model's tests draw them (15–90 % of the short side), and the photographs alone; each classified
// at full size and shrunk to GET /model's `upload` by @visionq/client's own Node path (sharp). Slow: minutes.
//
//   pnpm --filter @visionq/model-traffic-signs agreement            # 300 photos with a sign + each photo alone
//   pnpm --filter @visionq/model-traffic-signs agreement 60         # a quicker look

import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
// The client's own shrinking step, from its source (the client's tests depend on this package, not the reverse).
import { shrinkImage } from '../../../packages/client/src/shrink.js';
import { recommendUpload } from '@visionq/image-preprocess';
import { createOnnxClassifier, loadModelMetadata, metadataPathFor } from '@visionq/onnx-classifier';
import type { Prediction } from '@visionq/core';
import { MODEL_PATH } from '../test/support/model.js';
import { heldOutPhotos, signOnPhoto } from '../test/support/photos.js';
import { random } from '../test/support/scene.js';

const count = Number(process.argv[2] ?? 300);
const photos = heldOutPhotos();
if (photos.missing) {
  console.error(`no held-out photographs: ${photos.missing}`);
  process.exit(1);
}
const metadata = await loadModelMetadata(metadataPathFor(MODEL_PATH));
const upload = recommendUpload(metadata.preprocess);
const signs = metadata.labels.map((label) => label.id).filter((id) => id !== metadata.noneLabel?.id);
const classifier = await createOnnxClassifier({ modelPath: MODEL_PATH, maxBatch: 8 });
console.log(
  `${metadata.name} v${metadata.version}, input ${metadata.preprocess.width}×${metadata.preprocess.height} ` +
    `${metadata.preprocess.resize}; uploads shrunk to a short side of ${upload.short_side} px, JPEG q${upload.quality}`,
);

interface Case {
  file: string;
  /** The sign drawn, or none: the photograph alone. */
  sign?: string;
  options: Parameters<typeof signOnPhoto>[2] & {};
  /** Where the sign goes, 0–1 across the room it has on each axis. */
  at: [number, number];
}

const rnd = random(22);
const cases: Case[] = photos.files.map((file) => ({ file, options: { quality: 92 }, at: [0, 0] }));
for (let i = 0; i < count; i++) {
  const size = 0.15 + rnd() * 0.75;
  cases.push({
    file: photos.files[i % photos.files.length] as string,
    sign: signs[i % signs.length] as string,
    options: {
      size,
      rotate: (rnd() - 0.5) * 10,
      quality: 80 + Math.floor(rnd() * 16),
      font: rnd() < 0.5 ? 'Liberation Sans' : 'DejaVu Sans Condensed',
    },
    at: [rnd(), rnd()],
  });
}

/** Draws a case at the photograph's full size; the sign anywhere it fits whole. */
async function render(c: Case): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(c.file).metadata();
  if (!c.sign)
    return sharp(c.file)
      .rotate()
      .jpeg({ quality: c.options.quality ?? 92 })
      .toBuffer();
  const half = ((c.options.size ?? 0.5) * Math.min(width, height)) / 2;
  const place = (side: number, at: number) => half / side + at * (1 - (2 * half) / side);
  return signOnPhoto(c.file, c.sign, {
    ...c.options,
    width,
    x: place(width, c.at[0]),
    y: place(height, c.at[1]),
  });
}

const answer = (result: Awaited<ReturnType<typeof classifier.classify>>[number]): Prediction => {
  if (!result.ok) throw result.error;
  return result.prediction;
};

const rows: { c: Case; full: Prediction; small: Prediction; bytes: [number, number] }[] = [];
const started = performance.now();
const BATCH = 4;
for (let at = 0; at < cases.length; at += BATCH) {
  const batch = cases.slice(at, at + BATCH);
  const originals = await Promise.all(batch.map(render));
  const shrunk = await Promise.all(
    originals.map(async (bytes) => (await shrinkImage(bytes, upload))?.bytes ?? bytes),
  );
  const [full, small] = await Promise.all([classifier.classify(originals), classifier.classify(shrunk)]);
  batch.forEach((c, i) =>
    rows.push({
      c,
      full: answer(full[i]!),
      small: answer(small[i]!),
      bytes: [originals[i]!.byteLength, shrunk[i]!.byteLength],
    }),
  );
  if ((at / BATCH) % 10 === 0) console.log(`${rows.length}/${cases.length}…`);
}
await classifier.close();

const agree = rows.filter((row) => row.full.label === row.small.label);
const sameGuess = rows.filter((row) => row.full.top_k[0]?.label === row.small.top_k[0]?.label);
// The full-size answer's confidence, before and after: how far shrinking moves it.
const shifts = rows.map((row) => {
  const label = row.full.top_k[0]?.label;
  const before = row.full.top_k[0]?.confidence ?? 0;
  const after = row.small.top_k.find((entry) => entry.label === label)?.confidence ?? 0;
  return after - before;
});
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const signed = rows.filter((row) => row.c.sign);
const correct = (pick: 'full' | 'small') => signed.filter((row) => row[pick].label === row.c.sign).length;
const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)} %`;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

console.log(
  `\n${rows.length} images (${signed.length} with a sign, ${rows.length - signed.length} without) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
console.log(
  `answer (label, none label included) agrees: ${agree.length}/${rows.length} = ${pct(agree.length, rows.length)}`,
);
console.log(
  `best guess (top_k[0]) agrees: ${sameGuess.length}/${rows.length} = ${pct(sameGuess.length, rows.length)}`,
);
console.log(
  `confidence of the full-size answer, shrunk minus full: mean ${mean(shifts).toFixed(4)}, mean |shift| ${mean(shifts.map(Math.abs)).toFixed(4)}, max |shift| ${Math.max(...shifts.map(Math.abs)).toFixed(4)}`,
);
console.log(
  `signs named: full size ${pct(correct('full'), signed.length)}, shrunk ${pct(correct('small'), signed.length)}`,
);
console.log(
  `upload: mean ${mb(mean(rows.map((row) => row.bytes[0])))} full size, ${mb(mean(rows.map((row) => row.bytes[1])))} shrunk`,
);
for (const row of rows.filter((r) => r.full.label !== r.small.label)) {
  console.log(
    `  differs: ${row.c.sign ?? '(no sign)'} on ${basename(row.c.file)} size ${row.c.options.size?.toFixed(2) ?? '-'}: ` +
      `${row.full.label} ${row.full.confidence.toFixed(2)} → ${row.small.label} ${row.small.confidence.toFixed(2)}`,
  );
}
