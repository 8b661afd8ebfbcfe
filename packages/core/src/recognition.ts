import { InvalidRequestError } from './errors.js';
import type { ModelInfo } from './ports.js';
import { MinConfidenceSchema, type Prediction, type ScoredLabel } from './schemas.js';

/** What `recognize` needs of a model: its none label and floor, if it has them. */
export type RecognitionRule = Pick<ModelInfo, 'noneLabel' | 'minConfidence'>;

/** Checks a requested floor; throws `InvalidRequestError` unless it is a number from 0 to 1. */
export function checkMinConfidence(value: number): number {
  if (!MinConfidenceSchema.safeParse(value).success)
    throw new InvalidRequestError(`min_confidence must be a number from 0 to 1, got ${String(value)}`);
  return value;
}

/**
 * The answer a prediction gives under a model's rule: recognised when its best guess (`top_k[0]`) reaches the
 * floor (`minConfidence`, or the model's) and is not the none label. When not, `label` and `names` become the
 * none label's where the model has one; `confidence` and `top_k` stay the best guess's, so that a client can
 * still say "best guess: Stop, 31 %". Every classifier and the task processor decide through this one function.
 */
export function recognize(
  prediction: Pick<Prediction, 'top_k'>,
  rule: RecognitionRule,
  minConfidence: number = rule.minConfidence ?? 0,
): Prediction {
  checkMinConfidence(minConfidence);
  const { top_k } = prediction;
  const best = top_k[0] as ScoredLabel;
  const none = rule.noneLabel;
  const recognized = best.confidence >= minConfidence && best.label !== none?.id;
  if (recognized || !none) return { ...best, recognized, top_k };
  const answer: ScoredLabel = none.names
    ? { label: none.id, confidence: best.confidence, names: none.names }
    : { label: none.id, confidence: best.confidence };
  return { ...answer, recognized, top_k };
}
