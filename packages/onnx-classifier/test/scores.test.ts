import { PredictionSchema } from '@visionq/core';
import { describe, expect, it } from 'vitest';
import { softmax, toPrediction } from '../src/index.js';
import { topIndices } from '../src/scores.js';

const labels = [{ id: 'a', names: { en: 'A', es: 'Á' } }, { id: 'b' }, { id: 'c' }];

describe('scores', () => {
  it('softmax is stable for huge logits and sums to 1', () => {
    const row = softmax(Float64Array.from([1000, 1000 + Math.log(3), -1000]));
    expect(row[0]).toBeCloseTo(0.25, 12);
    expect(row[1]).toBeCloseTo(0.75, 12);
    expect(row[2]).toBe(0);
  });

  it('logits become a valid prediction, best first, with display names', () => {
    const prediction = toPrediction([0, 2, 1], labels, 'logits', 2);
    expect(PredictionSchema.parse(prediction)).toEqual(prediction);
    expect(prediction.label).toBe('b');
    expect(prediction.top_k.map((e) => e.label)).toEqual(['b', 'c']);
    const e = Math.exp.bind(Math);
    expect(prediction.confidence).toBeCloseTo(e(2) / (1 + e(1) + e(2)), 12);
    expect(toPrediction([5, 0, 0], labels, 'logits', 1).names).toEqual({ en: 'A', es: 'Á' });
  });

  it('probabilities are used as they are (clamped into 0..1), ties keep output order', () => {
    const prediction = toPrediction([0.4, 0.4, 1.0000001], labels, 'probabilities', 3);
    expect(prediction.top_k.map((e) => [e.label, e.confidence])).toEqual([
      ['c', 1],
      ['a', 0.4],
      ['b', 0.4],
    ]);
  });

  it('says whether the best label is recognised, by the floor and the none label', () => {
    expect(toPrediction([0, 2, 1], labels, 'logits', 2).recognized).toBe(true);
    const rule = { minConfidence: 0.9, noneLabel: { id: 'none', names: { en: 'Nothing' } } };
    const unsure = toPrediction([0, 2, 1], labels, 'logits', 2, rule);
    expect(unsure).toMatchObject({ label: 'none', names: { en: 'Nothing' }, recognized: false });
    expect(unsure.confidence).toBe(unsure.top_k[0]?.confidence);
    expect(toPrediction([0, 2, 1], labels, 'logits', 2, rule, 0.5)).toMatchObject({
      label: 'b',
      recognized: true,
    });
    expect(toPrediction([0, 9, 1], labels, 'logits', 2, { noneLabel: { id: 'b' } })).toMatchObject({
      label: 'b',
      recognized: false,
    });
  });

  it('top-k is capped at the number of labels', () => {
    expect(toPrediction([1, 2, 3], labels, 'logits', 10).top_k).toHaveLength(3);
  });

  it('refuses non-finite scores', () => {
    expect(() => toPrediction([NaN, 0, 1], labels, 'logits', 3)).toThrow(/non-finite/);
  });
});

describe('topIndices', () => {
  it('agrees with a full sort on random rows, ties in index order', () => {
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(Math.random() * 40);
      // Few distinct values, so that ties are common.
      const values = Float64Array.from({ length: n }, () => Math.floor(Math.random() * 6));
      const k = 1 + Math.floor(Math.random() * (n + 2));
      const sorted = Array.from(values.keys())
        .sort((a, b) => (values[b] as number) - (values[a] as number) || a - b)
        .slice(0, k);
      expect(topIndices(values, k)).toEqual(sorted);
    }
  });
});
