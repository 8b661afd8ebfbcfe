import { ERROR_CODES, VisionqError, codeFromHTTPStatus, type ErrorCode } from '@visionq/core';

const KNOWN_CODES = new Set<string>(Object.values(ERROR_CODES));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

export interface VisionqApiErrorOptions {
  /** The HTTP status, when the API answered. */
  status?: number;
  /** Seconds the API asked to wait (`Retry-After`), when it did. */
  retryAfterSeconds?: number;
  /** The task that failed, for errors about one task. */
  taskId?: string;
  cause?: unknown;
}

/**
 * Everything the client throws on purpose (apart from the caller's own abort reason). It is a `VisionqError`
 * from `@visionq/core`, so `code` is the very code the API put in its error body, the same switch works on
 * the server and in the client, and `transient` (read by `isTransient`) follows the code as it does there.
 */
export class VisionqApiError extends VisionqError {
  override readonly name = 'VisionqApiError';
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly taskId: string | undefined;

  constructor(code: ErrorCode, message: string, options: VisionqApiErrorOptions = {}) {
    super(code, message, { cause: options.cause });
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.taskId = options.taskId;
  }
}

/** The typed error for a non-2xx answer, from its `{ error: { code, message } }` body when it has one. */
export function errorFromResponse(
  status: number,
  body: unknown,
  retryAfterSeconds: number | undefined,
): VisionqApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  // A body without a code this client knows (from a proxy, or a newer API): the status says what it can.
  const code = isErrorCode(error?.code) ? error.code : codeFromHTTPStatus(status);
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  return new VisionqApiError(code, message, {
    status,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

/** `classify` ends with this when the task itself failed (e.g. the image could not be decoded). */
export function errorFromFailedTask(task: { task_id: string; error: { code: string; message: string } }) {
  const code = isErrorCode(task.error.code) ? task.error.code : ERROR_CODES.internal;
  return new VisionqApiError(code, task.error.message, { status: 200, taskId: task.task_id });
}
