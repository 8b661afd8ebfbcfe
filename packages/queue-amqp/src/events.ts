import type { ErrorCode } from '@visionq/core';

/**
 * Why the consumer dead-lettered a delivery itself. Stable values, fit for a metric label:
 * - `schema_version`: the message declares a schema version this consumer does not know (a newer producer);
 * - `schema`: other metadata is missing or fails the schema;
 * - `empty_body`: valid metadata, but no image bytes;
 * - `permanent_error`: the handler rejected with a permanent `VisionqError`.
 */
export type DeadLetterReason = 'schema_version' | 'schema' | 'empty_body' | 'permanent_error';

/** What the consumer knows about a delivery it dead-lettered. Never the body. */
export interface DeadLetteredInfo {
  /** The task queue it came from. */
  readonly queue: string;
  /** The delivery's `messageId` as it came (a task id unless the message is malformed); absent if none. */
  readonly taskId?: string;
  readonly reason: DeadLetterReason;
  /** For people: what was wrong with it. */
  readonly message: string;
  /** The handler's error code, for `permanent_error`. */
  readonly code?: ErrorCode;
}

/** Observers of what the adapter does on its own, for metrics. Each is called synchronously; a throw is logged. */
export interface AmqpTaskQueueEvents {
  /**
   * The consumer rejected a delivery to the dead-letter exchange. Not called for deliveries that RabbitMQ
   * dead-letters itself at the delivery limit: `deadLetterCount()` counts every dead letter.
   */
  readonly deadLettered?: (info: DeadLetteredInfo) => void;
}
