import type { Request, Response } from 'express';
import { InvalidRequestError, MinConfidenceSchema } from '@visionq/core';

export const MAX_WAIT_SECONDS = 30;

/** `?wait=N`: seconds to hold the request for the result, 0–30. */
export function waitSeconds(req: Request): number {
  const raw = req.query.wait;
  if (raw === undefined) return 0;
  const seconds = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds >= 0 && seconds <= MAX_WAIT_SECONDS)) {
    throw new InvalidRequestError(`wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
  }
  return seconds;
}

/** `?min_confidence=0..1`: the request's confidence floor, replacing the model's; undefined when absent. */
export function minConfidence(req: Request): number | undefined {
  const raw = req.query.min_confidence;
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!MinConfidenceSchema.safeParse(value).success)
    throw new InvalidRequestError('min_confidence must be a number from 0 to 1');
  return value;
}

/** Aborts when the client goes away, so that a long-poll does not outlive its connection. */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}
