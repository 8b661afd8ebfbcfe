import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvalidImageError,
  InvalidModelError,
  InvalidRequestError,
  UnavailableError,
  UnsupportedTypeError,
} from '@visionq/core';
import { allocateBatch, writeTensor } from '@visionq/image-preprocess';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnnxClassifier, type OnnxClassifier } from '../src/index.js';
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
  solid,
  solidPng,
  transparentPng,
  truncated,
} from '../../image-preprocess/test/images.js';
import { fixture } from './models.js';

async function withClassifier<T>(
  name: string,
  options: Partial<Parameters<typeof createOnnxClassifier>[0]>,
  body: (classifier: OnnxClassifier) => Promise<T>,
): Promise<T> {
  const classifier = await createOnnxClassifier({ modelPath: fixture(name), ...options });
  try {
    return await body(classifier);
  } finally {
    await classifier.close();
  }
}

const labelsOf = (results: Awaited<ReturnType<OnnxClassifier['classify']>>) =>
  results.map((r) => (r.ok ? r.prediction.label : r.error.constructor.name));

describe('OnnxClassifier on models whose answer is known', () => {
  it.each(['colours-nchw', 'colours-nhwc-bgr', 'colours-uint8'])(
    '%s: layout, channel order and dtype reach the model as the metadata says',
    async (name) =>
      withClassifier(name, {}, async (classifier) => {
        const results = await classifier.classify([
          await solidPng(BLUE),
          await solidPng(RED),
          await solidPng(GREEN),
        ]);
        expect(labelsOf(results)).toEqual(['blue', 'red', 'green']);
        for (const result of results)
          if (result.ok) expect(result.prediction.confidence).toBeGreaterThan(0.99);
      }),
  );

  it('softmax of logits: confidences are exact', async () =>
    withClassifier('colours-nchw', {}, async (classifier) => {
      // Mean colour (1, 0.5, 0) × 10 → logits (10, 5, 0).
      const [result] = await classifier.classify([sixteenBitPng()]);
      expect(result?.ok).toBe(true);
      if (!result?.ok) return;
      const z = 1 + Math.exp(-5) + Math.exp(-10);
      expect(result.prediction.top_k.map((e) => e.label)).toEqual(['red', 'green', 'blue']);
      expect(result.prediction.confidence).toBeCloseTo(1 / z, 2);
      expect(result.prediction.top_k[1]?.confidence).toBeCloseTo(Math.exp(-5) / z, 2);
      expect(result.prediction.names).toEqual({ en: 'Red', es: 'Rojo' });
    }));

  it('a one-channel model sees brightness', async () =>
    withClassifier('brightness-grey', {}, async (classifier) => {
      const results = await classifier.classify([await greyPng(20), await greyPng(240), await solidPng(RED)]);
      expect(labelsOf(results)).toEqual(['dark', 'light', 'dark']);
    }));

  it('batches up to maxBatch per run and keeps every answer in input order', async () =>
    withClassifier('colours-nchw', { maxBatch: 2, workers: 2, intraOpNumThreads: 1 }, async (classifier) => {
      expect(classifier.maxBatch).toBe(2);
      const colours = [RED, GREEN, BLUE, BLUE, RED, GREEN, GREEN];
      const images = await Promise.all(colours.map((c) => solidPng(c)));
      const [a, b] = await Promise.all([
        classifier.classify(images),
        classifier.classify(images.slice().reverse()),
      ]);
      expect(labelsOf(a)).toEqual(['red', 'green', 'blue', 'blue', 'red', 'green', 'green']);
      expect(labelsOf(b)).toEqual(['green', 'green', 'red', 'blue', 'blue', 'green', 'red']);
    }));

  it('decodes within its memory budget: an image that could never fit fails alone with too_large', async () =>
    withClassifier('colours-nchw', { decodeMemoryBudget: 24 * 2 ** 20 }, async (classifier) => {
      // A progressive JPEG keeps its coefficients whole: about 42 MB for 2000×2000, by the estimate.
      const progressive = await solid(RED, 2000, 2000).jpeg({ progressive: true }).toBuffer();
      const results = await classifier.classify([progressive, await solidPng(RED)]);
      expect(labelsOf(results)).toEqual(['TooLargeError', 'red']);
      expect(results[0]).toMatchObject({ ok: false, error: { code: 'too_large' } });
    }));

  it('every odd input: decoded right, or failed alone with a typed error', async () =>
    withClassifier('colours-nchw', { maxPixels: 20_000_000 }, async (classifier) => {
      const inputs: [string, Uint8Array][] = [
        ['EXIF-rotated JPEG (red and blue halves)', await exifRotatedJpeg()],
        ['PNG with alpha, flattened on black', await transparentPng()],
        ['greyscale', await greyPng(128)],
        ['16-bit PNG', sixteenBitPng()],
        ['CMYK JPEG', await cmykJpeg()],
        ['animated GIF', await animated('gif')],
        ['animated WebP', await animated('webp')],
        ['truncated JPEG', truncated(await photoJpeg(200, 200))],
        ['corrupt', corruptJpeg()],
        ['SVG', SVG],
        ['HTML', HTML],
        ['decompression bomb', bombPng()],
        ['empty', new Uint8Array()],
      ];
      const results = await classifier.classify(inputs.map(([, bytes]) => bytes));
      const summary = Object.fromEntries(inputs.map(([name], i) => [name, labelsOf([results[i]!])[0]]));
      expect(summary).toMatchObject({
        'PNG with alpha, flattened on black': expect.any(String),
        greyscale: expect.any(String),
        '16-bit PNG': 'red',
        'CMYK JPEG': 'red',
        'animated GIF': 'red',
        'animated WebP': 'red',
        'truncated JPEG': 'InvalidImageError',
        corrupt: 'InvalidImageError',
        SVG: 'UnsupportedTypeError',
        HTML: 'UnsupportedTypeError',
        'decompression bomb': 'InvalidImageError',
        empty: 'UnsupportedTypeError',
      });
      expect(['red', 'blue']).toContain(summary['EXIF-rotated JPEG (red and blue halves)']);
      const bomb = results[11];
      expect(bomb?.ok === false && bomb.error.message).toMatch(/over the limit of 20 megapixels/);
    }));

  it('classifyOne resolves with the prediction or rejects with the image error', async () =>
    withClassifier('colours-nhwc-bgr', {}, async (classifier) => {
      expect((await classifier.classifyOne(await solidPng(GREEN))).label).toBe('green');
      await expect(classifier.classifyOne(corruptJpeg())).rejects.toBeInstanceOf(InvalidImageError);
      await expect(classifier.classifyOne(SVG)).rejects.toBeInstanceOf(UnsupportedTypeError);
    }));

  it('top-k comes from the options, else the metadata, capped at the labels', async () => {
    await withClassifier('colours-nchw', {}, async (c) => {
      expect((await c.classifyOne(await solidPng(RED))).top_k).toHaveLength(3);
    });
    await withClassifier('colours-nchw', { topK: 1 }, async (c) => {
      expect((await c.classifyOne(await solidPng(RED))).top_k).toHaveLength(1);
    });
    await withClassifier('squeezenet', { topK: 50 }, async (c) => {
      expect((await c.classifyOne(await solidPng(RED))).top_k).toHaveLength(10);
    });
  });

  it('close() waits for work in flight, then refuses more; it is idempotent', async () => {
    const classifier = await createOnnxClassifier({ modelPath: fixture('colours-nchw') });
    const images = await Promise.all([RED, GREEN, BLUE].map((c) => solidPng(c)));
    const inFlight = classifier.classify(images);
    const closing = classifier.close();
    expect(labelsOf(await inFlight)).toEqual(['red', 'green', 'blue']);
    await Promise.all([closing, classifier.close()]);
    await expect(classifier.classify(images)).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('the original design’s export (squeezenet, batch fixed to 1, exporter-chosen names)', () => {
  it('loads through its metadata alone and runs one image per session.run', async () =>
    withClassifier('squeezenet', { maxBatch: 8 }, async (classifier) => {
      expect(classifier.maxBatch).toBe(1);
      expect(classifier.model).toMatchObject({ name: 'squeezenet-random', version: '1' });
      const images = [await solidPng(RED), await photoJpeg(320, 240), corruptJpeg(), await solidPng(BLUE)];
      const results = await classifier.classify(images);
      expect(results.map((r) => r.ok)).toEqual([true, true, false, true]);
      // Random weights: no meaningful label, but each batch answer equals the image's own answer.
      for (const [i, image] of images.entries()) {
        const alone = (await classifier.classify([image]))[0];
        const inBatch = results[i];
        if (alone?.ok && inBatch?.ok) expect(alone.prediction).toEqual(inBatch.prediction);
      }
    }));
});

describe('loading failures are InvalidModelError naming the problem', () => {
  const dir = mkdtemp(join(tmpdir(), 'visionq-models-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('a missing model file', async () => {
    await expect(
      createOnnxClassifier({
        modelPath: join(await dir, 'nope.onnx'),
        metadataPath: `${fixture('squeezenet').slice(0, -5)}.json`,
      }),
    ).rejects.toThrow(/cannot read model file .*nope\.onnx/);
  });

  it('missing metadata', async () => {
    const modelPath = join(await dir, 'lonely.onnx');
    await writeFile(modelPath, 'x');
    await expect(createOnnxClassifier({ modelPath })).rejects.toThrow(
      /cannot read model metadata .*lonely\.json/,
    );
  });

  it('a file that is not an ONNX model', async () => {
    const modelPath = join(await dir, 'corrupt.onnx');
    await writeFile(modelPath, Buffer.alloc(1000, 7));
    const attempt = createOnnxClassifier({
      modelPath,
      metadata: {
        name: 'c',
        version: '1',
        labels: ['a', 'b'],
        preprocess: { width: 8, height: 8 },
        output: { kind: 'logits' },
      },
    });
    await expect(attempt).rejects.toBeInstanceOf(InvalidModelError);
    await expect(attempt).rejects.toThrow(/cannot load the model/);
  });

  it('bad options', async () => {
    await expect(createOnnxClassifier({ modelPath: fixture('colours-nchw'), workers: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(createOnnxClassifier({} as never)).rejects.toThrow(/modelPath is required/);
  });
});

describe('classifyTensor: images decoded elsewhere', () => {
  it('classifies a batch tensor, transferring its buffer, split beyond maxBatch', async () =>
    withClassifier('colours-nchw', { maxBatch: 2 }, async (classifier) => {
      const spec = classifier.metadata.preprocess;
      const colours = [RED, GREEN, BLUE, GREEN, RED];
      const small = allocateBatch(spec, 2);
      const large = allocateBatch(spec, colours.length);
      for (const [i, colour] of colours.entries()) {
        await writeTensor(await solidPng(colour), spec, large, i);
        if (i < 2) await writeTensor(await solidPng(colour), spec, small, i);
      }
      const fits = await classifier.classifyTensor(small);
      expect(fits.map((p) => p.label)).toEqual(['red', 'green']);
      expect(small.data.buffer.byteLength).toBe(0); // transferred, not copied
      const split = await classifier.classifyTensor(large);
      expect(split.map((p) => p.label)).toEqual(['red', 'green', 'blue', 'green', 'red']);
      expect(await classifier.classifyTensor(allocateBatch(spec, 0))).toEqual([]);
    }));

  it('refuses a tensor of the wrong shape or dtype with InvalidRequestError', async () =>
    withClassifier('colours-nchw', {}, async (classifier) => {
      const wrongSize = allocateBatch({ width: 8, height: 8 }, 1);
      await expect(classifier.classifyTensor(wrongSize)).rejects.toThrow(InvalidRequestError);
      await expect(classifier.classifyTensor(wrongSize)).rejects.toThrow(
        /\[1,3,8,8\] does not fit the model: expected float32 \[1,3,16,16\]/,
      );
      const wrongType = allocateBatch({ width: 16, height: 16, dtype: 'uint8', scale: 1 }, 1);
      await expect(classifier.classifyTensor(wrongType)).rejects.toThrow(InvalidRequestError);
    }));
});

describe('a model that leaves sizes symbolic (one score per pixel)', () => {
  const metadata = (labels: string[], width: number) => ({
    name: 'brightest-pixel',
    version: '1',
    labels,
    preprocess: { width, height: 1, resize: 'fill' as const },
    output: { kind: 'logits' as const },
  });

  it('takes the metadata’s input size', async () =>
    withClassifier('brightest-pixel', { metadata: metadata(['left', 'right'], 2) }, async (classifier) => {
      const darkThenLight = await (
        await bands(
          [
            { r: 0, g: 0, b: 0 },
            { r: 255, g: 255, b: 255 },
          ],
          8,
          8,
        )
      )
        .png()
        .toBuffer();
      expect((await classifier.classifyOne(darkThenLight)).label).toBe('right');
    }));

  it('fails the call with InvalidModelError when its output does not fit the labels', async () =>
    withClassifier('brightest-pixel', { metadata: metadata(['a', 'b', 'c'], 2) }, async (classifier) => {
      const attempt = classifier.classify([await solidPng(RED)]);
      await expect(attempt).rejects.toBeInstanceOf(InvalidModelError);
      await expect(attempt).rejects.toThrow(/returned 2 scores per image, the metadata has 3 labels/);
    }));
});
