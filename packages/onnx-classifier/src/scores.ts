import {
  recognize,
  type LabelInfo,
  type Prediction,
  type RecognitionRule,
  type ScoredLabel,
} from '@visionq/core';

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
 * Indices of the `k` largest values, largest first; ties keep index order. One pass with a k-long insertion
 * list: O(n·k), far cheaper than sorting every class when a model has a thousand and k is 5.
 */
export function topIndices(values: Float64Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (best.length === k && value <= (values[best[k - 1] as number] as number)) continue;
    let at = best.length;
    while (at > 0 && value > (values[best[at - 1] as number] as number)) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * Turns one image's output row into a prediction: softmax for logits, then the `topK` best labels, best first
 * (ties keep output order), and whether the best is recognised under `rule` (the model's none label and floor;
 * `minConfidence` replaces the rule's floor). Probabilities a model rounds a hair outside 0..1 are clamped.
 */
export function toPrediction(
  scores: ArrayLike<number>,
  labels: readonly LabelInfo[],
  kind: 'logits' | 'probabilities',
  topK: number,
  rule: RecognitionRule = {},
  minConfidence?: number,
): Prediction {
  const row = Float64Array.from(scores);
  for (const value of row)
    if (!Number.isFinite(value)) throw new RangeError('the model returned a non-finite score');
  if (kind === 'logits') softmax(row);
  const top_k = topIndices(row, Math.min(topK, labels.length)).map((i): ScoredLabel => {
    const label = labels[i] as LabelInfo;
    const confidence = Math.min(1, Math.max(0, row[i] as number));
    return label.names
      ? { label: label.id, confidence, names: label.names }
      : { label: label.id, confidence };
  });
  return recognize({ top_k }, rule, minConfidence);
}
