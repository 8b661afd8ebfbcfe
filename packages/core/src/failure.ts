import { ERROR_CODES, VisionqError, type ErrorCode } from './errors.js';

/**
 * The one table from error code to HTTP status. Where several codes share a status, the first one listed is
 * the code that status alone stands for (`codeFromHTTPStatus`), for answers whose body names no code.
 */
export const HTTP_STATUS = {
  [ERROR_CODES.invalid_request]: 400,
  [ERROR_CODES.unauthorized]: 401,
  [ERROR_CODES.not_found]: 404,
  [ERROR_CODES.too_large]: 413,
  [ERROR_CODES.unsupported_type]: 415,
  [ERROR_CODES.invalid_image]: 422,
  [ERROR_CODES.conflict]: 422,
  [ERROR_CODES.invalid_callback]: 422,
  [ERROR_CODES.rate_limited]: 429,
  [ERROR_CODES.internal]: 500,
  [ERROR_CODES.invalid_message]: 500,
  [ERROR_CODES.corrupt_record]: 500,
  [ERROR_CODES.invalid_model]: 500,
  [ERROR_CODES.unavailable]: 503,
  [ERROR_CODES.queue_full]: 503,
} as const satisfies Record<ErrorCode, number>;

/** The HTTP status for anything thrown: a `VisionqError`'s code through the table, 500 for anything else. */
export function getHTTPStatusCode(error: unknown): number {
  return error instanceof VisionqError ? HTTP_STATUS[error.code] : HTTP_STATUS.internal;
}

const CODE_BY_STATUS = new Map<number, ErrorCode>();
for (const [code, status] of Object.entries(HTTP_STATUS) as [ErrorCode, number][])
  if (!CODE_BY_STATUS.has(status)) CODE_BY_STATUS.set(status, code);

/** The code an HTTP status stands for, read backwards through `HTTP_STATUS`; `internal` for any other status. */
export function codeFromHTTPStatus(status: number): ErrorCode {
  return CODE_BY_STATUS.get(status) ?? ERROR_CODES.internal;
}

/**
 * Whether a failed operation is worth trying again as it is, the one rule every retry and requeue follows:
 * - a `VisionqError` says so itself (`transient`: `unavailable` and `rate_limited` are, by default);
 * - anything else (a bug, an answer no adapter foresaw) is transient too: nobody knows it to be final, so the
 *   task is tried again, and the queue's delivery limit is what finally gives up on it.
 */
export function isTransient(error: unknown): boolean {
  return error instanceof VisionqError ? error.transient : true;
}
