/**
 * Every error visionq raises on purpose is a `VisionqError` with a stable `code`. The API maps codes to HTTP
 * statuses in one table; the worker reads `transient` to decide between retrying and giving up.
 */
export const ERROR_CODES = {
  unauthorized: 'unauthorized',
  invalid_request: 'invalid_request',
  invalid_image: 'invalid_image',
  unsupported_type: 'unsupported_type',
  too_large: 'too_large',
  not_found: 'not_found',
  conflict: 'conflict',
  rate_limited: 'rate_limited',
  unavailable: 'unavailable',
  queue_full: 'queue_full',
  invalid_message: 'invalid_message',
  corrupt_record: 'corrupt_record',
  invalid_model: 'invalid_model',
  invalid_callback: 'invalid_callback',
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Codes worth retrying as they are, unless an error says otherwise: a dependency is down, or asks to wait. */
const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set([
  ERROR_CODES.unavailable,
  ERROR_CODES.rate_limited,
  ERROR_CODES.queue_full,
]);

export interface VisionqErrorOptions {
  cause?: unknown;
  /**
   * Worth retrying later: the same input may succeed once a dependency is back. Default: true for
   * `unavailable` and `rate_limited`, false for every other code. `isTransient` reads it.
   */
  transient?: boolean;
}

export class VisionqError extends Error {
  override readonly name: string = 'VisionqError';
  readonly code: ErrorCode;
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: VisionqErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.transient = options.transient ?? TRANSIENT_CODES.has(code);
  }
}

/** Why a token was refused. Goes to logs and metrics; clients only ever see "unauthorized". */
export type UnauthorizedReason =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'disabled'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'no_subject'
  | 'bad_signature'
  | 'unknown_key'
  | 'unsigned'
  | 'user_not_found'
  | 'invalid';

export class UnauthorizedError extends VisionqError {
  override readonly name = 'UnauthorizedError';
  constructor(
    readonly reason: UnauthorizedReason,
    message = `unauthorized: ${reason}`,
    options: VisionqErrorOptions = {},
  ) {
    super(ERROR_CODES.unauthorized, message, options);
  }
}

export class InvalidRequestError extends VisionqError {
  override readonly name = 'InvalidRequestError';
  constructor(message: string, options: VisionqErrorOptions = {}) {
    super(ERROR_CODES.invalid_request, message, options);
  }
}

/** The bytes claim to be an image we support but cannot be read, or exceed the pixel limit. */
export class InvalidImageError extends VisionqError {
  override readonly name = 'InvalidImageError';
  constructor(message: string, options: VisionqErrorOptions = {}) {
    super(ERROR_CODES.invalid_image, message, options);
  }
}

export class UnsupportedTypeError extends VisionqError {
  override readonly name = 'UnsupportedTypeError';
  constructor(message = 'not a JPEG, PNG, WebP, GIF, AVIF or TIFF image', options: VisionqErrorOptions = {}) {
    super(ERROR_CODES.unsupported_type, message, options);
  }
}

export class TooLargeError extends VisionqError {
  override readonly name = 'TooLargeError';
  constructor(message: string, options: VisionqErrorOptions = {}) {
    super(ERROR_CODES.too_large, message, options);
  }
}

export class NotFoundError extends VisionqError {
  override readonly name = 'NotFoundError';
  constructor(message = 'not found', options: VisionqErrorOptions = {}) {
    super(ERROR_CODES.not_found, message, options);
  }
}

export class ConflictError extends VisionqError {
  override readonly name = 'ConflictError';
  constructor(message: string, options: VisionqErrorOptions = {}) {
    super(ERROR_CODES.conflict, message, options);
  }
}

export class RateLimitedError extends VisionqError {
  override readonly name = 'RateLimitedError';
  constructor(
    readonly retryAfterSeconds: number,
    message = 'too many requests',
    options: VisionqErrorOptions = {},
  ) {
    super(ERROR_CODES.rate_limited, message, options);
  }
}

/** A dependency (broker, store, identity provider) cannot be reached now. Always transient. */
export class UnavailableError extends VisionqError {
  override readonly name = 'UnavailableError';
  constructor(message: string, options: Omit<VisionqErrorOptions, 'transient'> = {}) {
    super(ERROR_CODES.unavailable, message, { ...options, transient: true });
  }
}

/**
 * The queue is at its ceiling and refuses the task (RabbitMQ: a length limit with reject-publish overflow).
 * Back-pressure, not a fault: nothing was queued, and the same task may be offered again later.
 */
export class QueueFullError extends VisionqError {
  override readonly name = 'QueueFullError';
  constructor(
    message = 'the queue is full',
    options: Omit<VisionqErrorOptions, 'transient'> & {
      /** When a place is likely to be free, estimated from how fast the queue drains; absent if unknown. */
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(ERROR_CODES.queue_full, message, { ...options, transient: true });
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  readonly retryAfterSeconds?: number;
}

/** A queue message whose metadata fails the schema: dead-lettered at once, never retried. */
export class InvalidMessageError extends VisionqError {
  override readonly name = 'InvalidMessageError';
  constructor(message: string, options: Omit<VisionqErrorOptions, 'transient'> = {}) {
    super(ERROR_CODES.invalid_message, message, { ...options, transient: false });
  }
}

/** A stored record that fails the schema on read. */
export class CorruptRecordError extends VisionqError {
  override readonly name = 'CorruptRecordError';
  constructor(message: string, options: Omit<VisionqErrorOptions, 'transient'> = {}) {
    super(ERROR_CODES.corrupt_record, message, { ...options, transient: false });
  }
}

/** A model file or its metadata that cannot serve: wrong shapes, missing labels, bad metadata. */
export class InvalidModelError extends VisionqError {
  override readonly name = 'InvalidModelError';
  constructor(message: string, options: Omit<VisionqErrorOptions, 'transient'> = {}) {
    super(ERROR_CODES.invalid_model, message, { ...options, transient: false });
  }
}

/** Why a callback URL was refused. Goes to logs and tests; clients read only the message. */
export type InvalidCallbackReason =
  | 'malformed'
  | 'scheme'
  | 'userinfo'
  | 'webhooks_off'
  | 'host_not_allowed'
  | 'address_not_allowed'
  | 'unresolvable';

/**
 * A webhook URL the callback policy refuses (not https, a host off the allow-list, an address that is loopback,
 * link-local or private...). Refused when the task is submitted; never retried.
 */
export class InvalidCallbackError extends VisionqError {
  override readonly name = 'InvalidCallbackError';
  constructor(
    readonly reason: InvalidCallbackReason,
    message: string,
    options: Omit<VisionqErrorOptions, 'transient'> = {},
  ) {
    super(ERROR_CODES.invalid_callback, message, { ...options, transient: false });
  }
}

export function isVisionqError(value: unknown): value is VisionqError {
  return value instanceof VisionqError;
}

/**
 * Turns anything thrown into a `VisionqError`. Unknown errors become `internal` with the original kept as
 * `cause` (for logs) and a message that reveals nothing. They stay transient, as `isTransient` rules, so
 * that typing an error never changes whether it is retried.
 */
export function toVisionqError(value: unknown): VisionqError {
  if (value instanceof VisionqError) return value;
  return new VisionqError(ERROR_CODES.internal, 'internal error', { cause: value, transient: true });
}
