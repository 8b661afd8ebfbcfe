import type { Request, Response } from 'express';
import { TooLargeError } from '@visionq/core';
import type { UploadBudget } from './upload-budget.js';

/** What multipart framing may add to the image: boundaries, part headers, up to 10 text fields of 1 KiB. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export const tooLargeError = (maxBytes: number) =>
  new TooLargeError(`the image is larger than ${maxBytes} bytes`);

/** The declared body size, or `undefined` when there is none (chunked transfer). */
function declaredLength(req: Request): number | undefined {
  const header = req.get('content-length');
  const value = header === undefined ? Number.NaN : Number(header);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Decides on an upload before a byte of its body is read, once the request is authenticated and counted by the
 * rate limit: a declared size over the limit is 413, an upload the budget has no room for is 503. Only then does
 * a client that asked (`Expect: 100-continue`) get its `100 Continue`, so that a refused one never sends the
 * body at all. Whatever is refused with its body unread ends its connection (`errors.ts`): nothing is drained.
 * The reservation, of the declared size or `maxBytes` when undeclared, is released when the request ends.
 */
export function admitUpload(req: Request, res: Response, maxBytes: number, budget: UploadBudget): void {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > maxBytes + MULTIPART_OVERHEAD_BYTES) throw tooLargeError(maxBytes);
  const release = budget.reserve(res.locals.uid as string, Math.min(declared ?? maxBytes, maxBytes));
  res.once('close', release);
  if (req.get('expect')?.toLowerCase() === '100-continue') res.writeContinue();
}
