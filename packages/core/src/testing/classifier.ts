import { InvalidImageError } from '../errors.js';
import type { Classifier } from '../ports.js';
import { PredictionSchema } from '../schemas.js';
import type { ContractOptions, ContractTestFn } from './types.js';

/** What a `Classifier` implementation provides to run the contract. */
export interface ClassifierHarness {
  classifier: Classifier;
  /** Decodable images, at least three, not all alike. */
  images(): Promise<Uint8Array[]>;
  /** Bytes that must fail with `InvalidImageError` (corrupt or truncated images). */
  undecodable(): Promise<Uint8Array[]>;
  cleanup(): Promise<void>;
}

export type ClassifierHarnessFactory = () => Promise<ClassifierHarness>;

/** Registers the `Classifier` contract. */
export function classifierContract(
  it: ContractTestFn,
  createHarness: ClassifierHarnessFactory,
  options: ContractOptions = {},
): void {
  const withHarness = (body: (h: ClassifierHarness) => Promise<void>) => async () => {
    const harness = await createHarness();
    try {
      await body(harness);
    } finally {
      await harness.cleanup();
    }
  };
  const test = (name: string, fn: Parameters<ContractTestFn>[1]) => it(`Classifier: ${name}`, fn, 60_000);

  test('returns one valid prediction per image, in order, with labels of the model', async ({ expect }) =>
    withHarness(async (h) => {
      const images = await h.images();
      const results = await h.classifier.classify(images);
      expect(results).toHaveLength(images.length);
      const known = new Set(h.classifier.model.labels.map((label) => label.id));
      for (const result of results) {
        expect(result.ok).toBe(true);
        if (!result.ok) continue;
        const prediction = PredictionSchema.parse(result.prediction);
        expect(known.has(prediction.label)).toBe(true);
        expect(prediction.top_k[0]?.label).toBe(prediction.label);
        expect(prediction.top_k[0]?.confidence).toBe(prediction.confidence);
        const confidences = prediction.top_k.map((entry) => entry.confidence);
        expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
        for (const entry of prediction.top_k) expect(known.has(entry.label)).toBe(true);
      }
      // Order: classifying each image alone gives the same answer as in the batch.
      for (const [i, image] of images.entries()) {
        const [alone] = await h.classifier.classify([image]);
        const inBatch = results[i];
        expect(alone?.ok && inBatch?.ok && alone.prediction.label === inBatch.prediction.label).toBe(true);
      }
    })());

  test('is deterministic: the same bytes get the same prediction', async ({ expect }) =>
    withHarness(async (h) => {
      const [image] = await h.images();
      const [a] = await h.classifier.classify([image as Uint8Array]);
      const [b] = await h.classifier.classify([image as Uint8Array]);
      expect(a?.ok && b?.ok).toBe(true);
      if (a?.ok && b?.ok) {
        expect(a.prediction.label).toBe(b.prediction.label);
        expect(a.prediction.confidence).toBeCloseTo(b.prediction.confidence, 5);
      }
    })());

  test('an undecodable image fails alone with InvalidImageError; its batch-mates still succeed', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const [good] = await h.images();
      const bad = await h.undecodable();
      expect(bad.length).toBeGreaterThan(0);
      const results = await h.classifier.classify([good as Uint8Array, ...bad, good as Uint8Array]);
      expect(results[0]?.ok).toBe(true);
      expect(results.at(-1)?.ok).toBe(true);
      for (const result of results.slice(1, -1)) {
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error).toBeInstanceOf(InvalidImageError);
      }
    })());

  test('reports its slots, a positive integer, and serves slots + 1 batches handed to it at once', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const { slots } = h.classifier;
      expect(Number.isInteger(slots) && slots >= 1).toBe(true);
      const images = await h.images();
      const batches = Array.from({ length: slots + 1 }, () => images);
      const results = await Promise.all(batches.map((batch) => h.classifier.classify(batch)));
      for (const result of results) expect(result.map((r) => r.ok)).toEqual(images.map(() => true));
      expect(h.classifier.slots).toBe(slots);
    })());

  test('an empty batch gives an empty answer', async ({ expect }) =>
    withHarness(async (h) => {
      expect(await h.classifier.classify([])).toEqual([]);
    })());

  test('describes its model: name, version and labels', async ({ expect }) =>
    withHarness(async (h) => {
      const { name, version, labels } = h.classifier.model;
      expect(name.length).toBeGreaterThan(0);
      expect(version.length).toBeGreaterThan(0);
      expect(labels.length).toBeGreaterThan(1);
    })());

  test('refuses work after close()', async ({ expect }) =>
    withHarness(async (h) => {
      const images = await h.images();
      await h.classifier.close();
      await expect(h.classifier.classify(images.slice(0, 1))).rejects.toThrow();
    })());

  options.additionalTests?.(it);
}
