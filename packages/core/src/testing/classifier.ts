import { InvalidImageError, InvalidRequestError } from '../errors.js';
import type { Classification, Classifier } from '../ports.js';
import type { RecognitionRule } from '../recognition.js';
import { PredictionSchema, type Prediction } from '../schemas.js';
import type { ContractOptions, ContractTestFn } from './types.js';

/** What a `Classifier` implementation provides to run the contract. */
export interface ClassifierHarness {
  classifier: Classifier;
  /** Decodable images, at least three, not all alike. */
  images(): Promise<Uint8Array[]>;
  /** Bytes that must fail with `InvalidImageError` (corrupt or truncated images). */
  undecodable(): Promise<Uint8Array[]>;
  /**
   * Another classifier of the same kind and model whose floor and none label are `rule`'s instead of the
   * model's own (`{}`: no floor, no none label). `cleanup` closes it.
   */
  withRule(rule: RecognitionRule): Promise<Classifier>;
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
        expect(typeof result.prediction.recognized).toBe('boolean');
        const none = h.classifier.model.noneLabel?.id;
        expect(known.has(prediction.label) || prediction.label === none).toBe(true);
        if (prediction.recognized) expect(prediction.top_k[0]?.label).toBe(prediction.label);
        else expect(prediction.label).toBe(none ?? prediction.top_k[0]?.label);
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

  /** Predictions of `images`, all expected to succeed. */
  const predict = async (
    expect: Parameters<Parameters<ContractTestFn>[1]>[0]['expect'],
    classifier: Classifier,
    images: Uint8Array[],
    options?: { minConfidence?: number },
  ): Promise<Prediction[]> => {
    const results: Classification[] = await classifier.classify(images, options);
    return results.map((result) => {
      expect(result.ok).toBe(true);
      return (result as { prediction: Prediction }).prediction;
    });
  };

  test('without a floor or none label every best guess is recognised', async ({ expect }) =>
    withHarness(async (h) => {
      const plain = await h.withRule({});
      for (const p of await predict(expect, plain, await h.images())) {
        expect(p.recognized).toBe(true);
        expect(p.label).toBe(p.top_k[0]?.label);
      }
    })());

  test('a best guess under the model floor is not recognised and, without a none label, stays the label', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const images = await h.images();
      const guesses = await predict(expect, await h.withRule({}), images);
      // The floor is one of the images' own confidences: that one reaches it, less confident ones do not.
      const floor = Math.max(...guesses.map((p) => p.confidence));
      const floored = await predict(expect, await h.withRule({ minConfidence: floor }), images);
      floored.forEach((p, i) => {
        const guess = guesses[i] as Prediction;
        expect(p.recognized).toBe(guess.confidence >= floor);
        expect(p.label).toBe(guess.label);
        expect(p.confidence).toBeCloseTo(guess.confidence, 5);
      });
      expect(floored.some((p) => p.recognized)).toBe(true);
    })());

  test('a floor given with the call replaces the model floor; one outside 0–1 is refused', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const images = await h.images();
      const strict = await h.withRule({ minConfidence: 1 });
      for (const p of await predict(expect, strict, images, { minConfidence: 0 }))
        expect(p.recognized).toBe(true);
      const lenient = await h.withRule({});
      for (const p of await predict(expect, lenient, images, { minConfidence: 1 }))
        expect(p.recognized).toBe(p.confidence >= 1);
      for (const bad of [1.5, -0.1, Number.NaN])
        await expect(lenient.classify(images.slice(0, 1), { minConfidence: bad })).rejects.toBeInstanceOf(
          InvalidRequestError,
        );
    })());

  test('unrecognised answers name the none label, with its display names and the best guess in top_k', async ({
    expect,
  }) =>
    withHarness(async (h) => {
      const images = await h.images();
      const noneLabel = {
        id: 'nothing_recognised',
        names: { en: 'Nothing recognised', es: 'Nada reconocido' },
      };
      const guesses = await predict(expect, await h.withRule({}), images);
      const answers = await predict(expect, await h.withRule({ minConfidence: 1, noneLabel }), images);
      answers.forEach((p, i) => {
        const guess = guesses[i] as Prediction;
        if (guess.confidence >= 1) return;
        expect(p.recognized).toBe(false);
        expect(p.label).toBe(noneLabel.id);
        expect(p.names).toEqual(noneLabel.names);
        expect(p.confidence).toBeCloseTo(guess.confidence, 5);
        expect(p.top_k[0]?.label).toBe(guess.label);
      });
    })());

  test('a best guess that is the none label is not recognised, however confident', async ({ expect }) =>
    withHarness(async (h) => {
      const images = await h.images();
      const guesses = await predict(expect, await h.withRule({}), images);
      const noneId = (guesses[0] as Prediction).label;
      const answers = await predict(
        expect,
        await h.withRule({ minConfidence: 0, noneLabel: { id: noneId } }),
        images,
      );
      answers.forEach((p, i) => {
        const guess = guesses[i] as Prediction;
        expect(p.recognized).toBe(guess.label !== noneId);
        expect(p.label).toBe(guess.label);
      });
      expect(answers[0]?.recognized).toBe(false);
    })());

  test('refuses work after close()', async ({ expect }) =>
    withHarness(async (h) => {
      const images = await h.images();
      await h.classifier.close();
      await expect(h.classifier.classify(images.slice(0, 1))).rejects.toThrow();
    })());

  options.additionalTests?.(it);
}
