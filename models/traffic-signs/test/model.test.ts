import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { OnnxClassifier } from '@visionq/onnx-classifier';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldOutPhotos, photoJpeg, signOnPhoto } from './support/photos.js';
import { random, renderScene, type SceneOptions } from './support/scene.js';
import { SIGNS } from './support/signs-svg.js';
import { METADATA_PATH, MODEL_DIR, MODEL_PATH, loadModel, top1, type Top1 } from './support/model.js';

// Every image here is drawn by this test (SVG rasterised by sharp, then JPEG), never by the Python generator
// the model was trained on.

const REQUIRED = [
  'stop',
  'yield',
  'no_entry',
  ...[20, 30, 50, 60, 70, 80, 100, 120].map((n) => `speed_limit_${n}`),
];

// Renders per class in the varied test, and the share of all of them allowed to miss: a synthetic-data model
// is not perfect on another renderer's signs, but it must get the clear majority of every class right.
const VARIANTS = 6;
const MAX_MISS_RATE = 0.1;
const MIN_PER_CLASS = 4;
// The held-out wallpaper packages hold 19 photographs; fewer means they changed and the test must be reviewed.
const PHOTOS_WITHOUT_SIGN_MIN = 15;
// Of those, at most one may be taken for a sign. The bound (≥ 95 % answered "not recognised") is measured
// on 1 000 held-out crops and frames (eval.json: 98.7 %); 19 pictures are too few to hold a model to it one by
// one. v2 at 160×160 takes one of them, a red bowl on concrete, for `stop` at 0.63 (README, Known limits).
const MAX_WHOLE_PHOTOS_TAKEN_FOR_A_SIGN = 1;

const NONE = 'no_sign';

let model: OnnxClassifier;
/** Every output label, `no_sign` included. */
let ids: string[];
/** The signs: every label but `no_sign`. */
let signs: string[];

beforeAll(async () => {
  model = await loadModel();
  ids = model.metadata.labels.map((l) => l.id);
  signs = ids.filter((id) => id !== NONE);
});
afterAll(async () => {
  await model?.close();
});

describe('model files', () => {
  it('has at least 16 snake_case classes, the required ones among them, named in English and Spanish', () => {
    const raw = JSON.parse(readFileSync(METADATA_PATH, 'utf8')) as {
      labels: { id: string; names?: Record<string, string> }[];
    };
    expect(raw.labels.map((l) => l.id)).toEqual(ids);
    expect(ids.length).toBeGreaterThanOrEqual(16);
    expect(ids).toEqual(expect.arrayContaining(REQUIRED));
    for (const label of raw.labels) {
      expect(label.id).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      expect(label.names?.en, label.id).toBeTruthy();
      expect(label.names?.es, label.id).toBeTruthy();
    }
    expect(raw.labels.find((l) => l.id === 'speed_limit_50')?.names?.es).toBe('Límite de velocidad 50');
  });

  it('says "no sign recognised" with its own class and a confidence floor', () => {
    expect(model.model.version).toBe('2');
    expect(model.model.noneLabel).toEqual({
      id: NONE,
      names: { en: 'No sign recognised', es: 'No se reconoce ninguna señal' },
    });
    expect(model.model.minConfidence).toBeGreaterThan(0);
    expect(model.model.minConfidence).toBeLessThan(1);
  });

  it('is at most 5 MB, batches, and scores every label', async () => {
    expect(statSync(MODEL_PATH).size).toBeLessThanOrEqual(5 * 1024 * 1024);
    const { width, height } = model.metadata.preprocess;
    const session = await ort.InferenceSession.create(MODEL_PATH);
    try {
      const input = new ort.Tensor('float32', new Float32Array(3 * 3 * width * height), [
        3,
        3,
        height,
        width,
      ]);
      const out = await session.run({ [model.metadata.input ?? 'input']: input });
      expect(out[model.metadata.output.name ?? 'logits']?.dims).toEqual([3, ids.length]);
    } finally {
      await session.release();
    }
  });

  it('has a test drawing for every sign', () => {
    expect(Object.keys(SIGNS).sort()).toEqual([...signs].sort());
  });
});

describe('recognises signs in scenes rendered by the test', () => {
  it.each(Object.keys(SIGNS))('%s, plainly rendered', async (id) => {
    const [top] = await top1(model, [await renderScene(id, { seed: 7 })]);
    expect(top?.label).toBe(id);
  });

  it(`across sizes, positions, angles, backgrounds and JPEG quality (≤ ${MAX_MISS_RATE * 100}% misses)`, async () => {
    const rnd = random(2024);
    const cases: { id: string; options: SceneOptions }[] = [];
    for (const id of signs) {
      for (let v = 0; v < VARIANTS; v++) {
        const landscape = rnd() < 0.7;
        cases.push({
          id,
          options: {
            width: landscape ? 640 : 480,
            height: landscape ? 480 : 640,
            size: 0.3 + rnd() * 0.55,
            x: 0.3 + rnd() * 0.4,
            y: 0.3 + rnd() * 0.3,
            rotate: (rnd() - 0.5) * 16,
            clutter: 5 + Math.floor(rnd() * 25),
            seed: Math.floor(rnd() * 1e9),
            quality: 55 + Math.floor(rnd() * 40),
            font: rnd() < 0.5 ? 'Liberation Sans' : 'DejaVu Sans Condensed',
          },
        });
      }
    }
    const images = await Promise.all(cases.map((c) => renderScene(c.id, c.options)));
    const results: Top1[] = [];
    for (let i = 0; i < images.length; i += 32) results.push(...(await top1(model, images.slice(i, i + 32))));
    const misses = cases
      .map((c, i) => ({ expected: c.id, got: results[i]?.label, options: c.options }))
      .filter((m) => m.expected !== m.got);
    const byClass = new Map(signs.map((id) => [id, VARIANTS]));
    for (const m of misses) byClass.set(m.expected, (byClass.get(m.expected) ?? 0) - 1);
    const summary = misses.map((m) => `${m.expected} -> ${m.got} (size ${m.options.size?.toFixed(2)})`);
    console.info(`varied renders: ${cases.length - misses.length}/${cases.length} correct`, summary);
    expect(misses.length / cases.length, summary.join('\n')).toBeLessThanOrEqual(MAX_MISS_RATE);
    for (const [id, correct] of byClass) expect(correct, id).toBeGreaterThanOrEqual(MIN_PER_CLASS);
  });
});

// Photographs from packages the training script holds out whole: the model never saw these photographers' work.
const photos = heldOutPhotos();
if (photos.missing) console.warn(`skipping the held-out photograph tests: ${photos.missing}`);

describe.skipIf(photos.missing !== undefined)('real photographs it was never trained on', () => {
  it(`whole photographs without a sign come back not recognised (all but ${MAX_WHOLE_PHOTOS_TAKEN_FOR_A_SIGN})`, async () => {
    const images = await Promise.all(photos.files.map((file) => photoJpeg(file)));
    const results = await model.classify(images);
    const answers = results.map((r, i) => {
      if (!r.ok) throw r.error;
      const { recognized, label, top_k } = r.prediction;
      return {
        file: photos.files[i],
        recognized,
        label,
        guess: `${top_k[0]?.label} ${top_k[0]?.confidence.toFixed(2)}`,
      };
    });
    console.info(
      'held-out photographs:',
      answers.map((a) => `${a.file}: ${a.label} (${a.guess})`),
    );
    expect(answers.length).toBeGreaterThanOrEqual(PHOTOS_WITHOUT_SIGN_MIN);
    const taken = answers.filter((a) => a.recognized).map((a) => `${a.file}: ${a.guess}`);
    expect(taken.length, taken.join('\n')).toBeLessThanOrEqual(MAX_WHOLE_PHOTOS_TAKEN_FOR_A_SIGN);
    for (const a of answers) if (!a.recognized) expect(a.label, a.file).toBe(NONE);
  });

  it(`signs this test draws onto them are named (≤ ${MAX_MISS_RATE * 100}% misses)`, async () => {
    const rnd = random(16);
    const cases = signs.flatMap((id, k) =>
      [0, 1].map((v) => ({
        id,
        file: photos.files[(k * 2 + v) % photos.files.length] as string,
        options: {
          size: 0.3 + rnd() * 0.4,
          x: 0.25 + rnd() * 0.5,
          y: 0.3 + rnd() * 0.3,
          rotate: (rnd() - 0.5) * 10,
          quality: 60 + Math.floor(rnd() * 30),
          font: rnd() < 0.5 ? 'Liberation Sans' : 'DejaVu Sans Condensed',
        },
      })),
    );
    const images = await Promise.all(cases.map((c) => signOnPhoto(c.file, c.id, c.options)));
    const results = await top1(model, images);
    const misses = cases
      .map((c, i) => ({ ...c, got: results[i]?.label }))
      .filter((m) => m.got !== m.id)
      .map((m) => `${m.id} on ${basename(m.file)} -> ${m.got} (size ${m.options.size.toFixed(2)})`);
    console.info(
      `signs on held-out photographs: ${cases.length - misses.length}/${cases.length} correct`,
      misses,
    );
    expect(misses.length / cases.length, misses.join('\n')).toBeLessThanOrEqual(MAX_MISS_RATE);
  });
});

describe('sample photos', () => {
  const dir = join(MODEL_DIR, 'samples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg'));

  it('include a 640×480 stop sign for the README example', () => {
    expect(files).toContain('stop.jpg');
    const jpeg = readFileSync(join(dir, 'stop.jpg'));
    // SOF0 marker: height then width, big-endian.
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    expect([jpeg.readUInt16BE(sof + 7), jpeg.readUInt16BE(sof + 5)]).toEqual([640, 480]);
  });

  it.each(files)('%s is classified as its file name says', async (file) => {
    const [top] = await top1(model, [readFileSync(join(dir, file))]);
    expect(top?.label).toBe(basename(file, '.jpg'));
  });
});
