import type { ErrorRequestHandler, Response } from 'express';
import {
  QueueFullError,
  RateLimitedError,
  getHTTPStatusCode,
  toVisionqError,
  type VisionqError,
} from '@visionq/core';

/** Seconds a client should wait before retrying after a 503. */
const UNAVAILABLE_RETRY_AFTER_S = 5;

/** Messages clients may see. Internal errors and auth failures say nothing more than their code. */
function publicMessage(error: VisionqError, status: number): string {
  if (error.code === 'queue_full') return 'too many tasks are waiting, retry later';
  if (status >= 500 && error.code !== 'unavailable') return 'internal error';
  if (error.code === 'unauthorized') return 'unauthorized';
  if (error.code === 'unavailable') return 'service temporarily unavailable, retry later';
  return error.message;
}

export function sendError(res: Response, thrown: unknown): VisionqError {
  const error = toVisionqError(thrown);
  const status = getHTTPStatusCode(error);
  if (error.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer');
  if (error instanceof RateLimitedError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  if (error.code === 'unavailable') res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
  if (error instanceof QueueFullError)
    res.setHeader('Retry-After', String(error.retryAfterSeconds ?? UNAVAILABLE_RETRY_AFTER_S));
  if (!res.req.complete) endsWithAnswer(res, error);
  res.status(status).json({ error: { code: error.code, message: publicMessage(error, status) } });
  return error;
}

/** A refused upload up to this size is read to its end and thrown away (see endsWithAnswer). */
const DRAINED_UPLOAD_BYTES = 16 * 2 ** 20;
/** Any other refusal of a body up to this size is read and thrown away too: a shrunk photo, Postman's sample. */
const DRAINED_REFUSAL_BYTES = 2 ** 20;

/**
 * Refusals of an upload that was fine in itself, told to an authenticated client: over the size limit, or the
 * queue full. Clients that send their whole body before they read the answer (fetch, Postman, most HTTP
 * libraries) would see a broken connection instead of the 413 or the 503 with its Retry-After.
 */
const DRAINED_CODES = new Set(['too_large', 'queue_full']);

/**
 * Refused with its body unread. Closing at once, with bytes still arriving, makes the kernel reset the
 * connection, and a client still writing its body sees EPIPE instead of the answer (newman did, on the 401 of a
 * malformed token). So a body that says it is small, and does not wait for `100 Continue`, is read to its end
 * and thrown away, and the connection stays open: up to DRAINED_UPLOAD_BYTES for the DRAINED_CODES, up to
 * DRAINED_REFUSAL_BYTES for any other refusal (a stranger's 401, a rate limit, an upload budget out of room:
 * little is spent on those). Anything larger or undeclared ends the connection with the answer.
 */
function endsWithAnswer(res: Response, error: VisionqError): void {
  const { req } = res;
  const declared = Number(req.get('content-length'));
  const limit = DRAINED_CODES.has(error.code) ? DRAINED_UPLOAD_BYTES : DRAINED_REFUSAL_BYTES;
  if (req.get('expect') === undefined && declared <= limit) req.resume();
  else res.setHeader('Connection', 'close');
}

/** Express's last error handler: everything thrown in a route ends here, logged once, answered by the table. */
export function errorHandler(): ErrorRequestHandler {
  return (thrown: unknown, req, res, next) => {
    if (res.headersSent) return next(thrown);
    const error = sendError(res, thrown);
    const log = (
      req as { log?: { error: (o: object, m: string) => void; info: (o: object, m: string) => void } }
    ).log;
    // A full queue is back-pressure, not a fault.
    if (getHTTPStatusCode(error) >= 500 && error.code !== 'queue_full')
      log?.error({ err: error.cause ?? error, code: error.code }, 'request failed');
    else log?.info({ code: error.code, reason: (error as { reason?: string }).reason }, 'request refused');
  };
}
