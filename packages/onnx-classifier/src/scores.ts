import type { LabelInfo, Prediction, ScoredLabel } from '@visionq/core';

/** Numerically stable softmax of one row, in place. */
export function softmax(row: Float64Array): Float64Array {
  let max = -Infinity;
  for (const value of row) if (value > max) max = value;
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const e = Math.exp((row[i] as number) - max);
    row[i] = e;
    sum += e;
  }
  for (let i = 0; i < row.length; i++) row[i] = (row[i] as number) / sum;
  return row;
}

/**
 * Turns one image's output row into a prediction: softmax for logits, then the `topK` best labels, best first
 * (ties keep output order). Probabilities a model rounds a hair outside 0..1 are clamped.
 */
export function toPrediction(
  scores: ArrayLike<number>,
  labels: readonly LabelInfo[],
  kind: 'logits' | 'probabilities',
  topK: number,
): Prediction {
  const row = Float64Array.from(scores);
  if (row.some((value) => !Number.isFinite(value)))
    throw new RangeError('the model returned a non-finite score');
  if (kind === 'logits') softmax(row);
  const order = Array.from(row.keys()).sort((a, b) => (row[b] as number) - (row[a] as number) || a - b);
  const top_k = order.slice(0, Math.min(topK, labels.length)).map((i): ScoredLabel => {
    const label = labels[i] as LabelInfo;
    const confidence = Math.min(1, Math.max(0, row[i] as number));
    return label.names
      ? { label: label.id, confidence, names: label.names }
      : { label: label.id, confidence };
  });
  const best = top_k[0] as ScoredLabel;
  return { ...best, top_k };
}
