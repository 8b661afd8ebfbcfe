import type { Request, Response } from 'express';
import {
  InvalidRequestError,
  MinConfidenceSchema,
  NotFoundError,
  isTerminal,
  type ResultRecord,
  type ResultStore,
} from '@visionq/core';
import { pendingBody, terminalBody } from './result-body.js';

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

/**
 * SPEC's answer about a task: waits up to `wait` seconds for it to end (never past the client's leaving), then
 * 200 with the result, or 202 with its status and `pending` headers.
 */
export async function answerTask(
  req: Request,
  res: Response,
  {
    store,
    record,
    wait,
    pending,
  }: {
    store: ResultStore;
    record: ResultRecord;
    wait: number;
    pending: Record<string, string>;
  },
): Promise<void> {
  let latest = record;
  if (wait > 0 && !isTerminal(latest.status)) {
    latest = (await store.waitFor(latest.task_id, wait * 1000, clientGone(res))) ?? latest;
  }
  // Taken back by its owner while this request waited: gone, as for a GET afterwards.
  if (latest.status === 'cancelled') throw new NotFoundError('task not found');
  if (latest.status === 'succeeded' || latest.status === 'failed') {
    res.status(200).json(terminalBody(latest, req));
    return;
  }
  res.status(202).set(pending).json(pendingBody(latest));
}

/** Aborts when the client goes away, so that a long-poll does not outlive its connection. */
function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}
