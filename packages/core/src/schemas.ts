import { z } from 'zod';

/** Task ids are UUID v4, minted by the API. */
export const TaskIdSchema = z.uuidv4();
export type TaskId = z.infer<typeof TaskIdSchema>;

export const IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
] as const;
export const ImageTypeSchema = z.enum(IMAGE_TYPES);
export type ImageType = z.infer<typeof ImageTypeSchema>;

/**
 * Where to tell someone that a task ended: a device, through Firebase Cloud Messaging (its registration token),
 * or a server, through a signed webhook (its URL). Travels with the task; never shown back to anyone.
 */
export const NotifyTargetSchema = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('fcm'), token: z.string().min(1).max(4096) }),
  z.object({ channel: z.literal('webhook'), url: z.url().max(2048) }),
]);
export type NotifyTarget = z.infer<typeof NotifyTargetSchema>;
export type NotificationChannel = NotifyTarget['channel'];

/** An entry of the notification outbox (see `NotificationOutbox`). */
export const OutboxEntrySchema = z.object({
  id: z.string().min(1).max(200),
  taskId: TaskIdSchema,
  target: NotifyTargetSchema,
  language: z.string().min(2).max(35).optional(),
});

/**
 * The id of a task's notification: the same on every attempt, every redelivery and every worker, so that
 * receivers can drop the duplicates at-least-once delivery brings. Shaped like Standard Webhooks' message ids.
 */
export function notificationId(taskId: string): string {
  return `msg_${taskId}`;
}

/** Bumped when the queue message metadata changes shape; consumers refuse versions they do not know. */
export const TASK_MESSAGE_SCHEMA_VERSION = 1;

/** Firebase uids are at most 128 characters. */
export const OwnerSchema = z.string().min(1).max(128);

/**
 * Metadata that travels with each queued image. The image itself is the raw message body; this is what the
 * producer validates before publishing and the consumer validates after receiving.
 */
export const TaskMessageSchema = z.object({
  taskId: TaskIdSchema,
  owner: OwnerSchema,
  contentType: ImageTypeSchema,
  /** Milliseconds since the epoch, when the API accepted the upload. */
  timestamp: z.number().int().nonnegative(),
  /** The request's confidence floor (`?min_confidence=`), replacing the model's for this task. */
  minConfidence: z.number().min(0).max(1).optional(),
  /** Who to tell when the task ends, if anyone (a device token or a webhook URL the API has checked). */
  notify: NotifyTargetSchema.optional(),
  /** The request's language (`Accept-Language`'s first tag), for display names in the notification. */
  language: z.string().min(2).max(35).optional(),
  /**
   * What decoding the image costs, in phone photos (image-preprocess `decodeUnits`), as the producer read it from
   * the header: a worker classifies a costly image on its own, so that its batch-mates do not wait for it.
   */
  decodeUnits: z.number().int().min(1).optional(),
  schemaVersion: z.literal(TASK_MESSAGE_SCHEMA_VERSION),
});
export type TaskMessage = z.infer<typeof TaskMessageSchema>;

export const TaskStatusSchema = z.enum(['queued', 'processing', 'succeeded', 'failed', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatusSchema>;
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];
export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Display names of a label by language tag, e.g. `{ en: "Stop", es: "Alto" }`. */
export const DisplayNamesSchema = z.record(z.string().min(2).max(35), z.string());
export type DisplayNames = z.infer<typeof DisplayNamesSchema>;

export const ScoredLabelSchema = z.object({
  label: z.string().min(1),
  confidence: z.number().min(0).max(1),
  names: DisplayNamesSchema.optional(),
});
export type ScoredLabel = z.infer<typeof ScoredLabelSchema>;

/** A confidence floor: an answer whose best guess is less confident than this is "nothing recognised". */
export const MinConfidenceSchema = z.number().min(0).max(1);

/**
 * The answer, its confidence, and the top-k list (best first). `recognized` is false when the best guess,
 * `top_k[0]`, is under the confidence floor or is the model's none label; `label` is then the none label where
 * the model has one, else still the best guess. `confidence` is always the best guess's.
 */
export const PredictionSchema = ScoredLabelSchema.extend({
  // Records stored before the field existed were answers nobody doubted.
  recognized: z.boolean().default(true),
  top_k: z.array(ScoredLabelSchema).min(1),
});
export type Prediction = z.output<typeof PredictionSchema>;

export const ModelRefSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
});
export type ModelRef = z.infer<typeof ModelRefSchema>;

/**
 * Codes of a `failed` task that come from the task's fate rather than from its image: its message was
 * dead-lettered (it crashed or stalled every worker that tried it), or it had not ended `deadline` after it was
 * accepted.
 */
export const TASK_FAILURE_CODES = {
  processing_failed: 'processing_failed',
  deadline_exceeded: 'deadline_exceeded',
} as const;

export const TaskErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string(),
});
export type TaskError = z.infer<typeof TaskErrorSchema>;

const isoDate = z.iso.datetime();

/**
 * What became of a task's notification, as its record shows it: the channel, how many attempts were made, and
 * when it was delivered or given up on (neither yet: still being tried). Never the token or the URL.
 */
export const NotificationStatusSchema = z.object({
  channel: z.enum(['fcm', 'webhook']),
  attempts: z.number().int().nonnegative(),
  delivered_at: isoDate.optional(),
  failed_at: isoDate.optional(),
});
export type NotificationStatus = z.infer<typeof NotificationStatusSchema>;

const RecordBase = z.object({
  task_id: TaskIdSchema,
  owner: OwnerSchema,
  created_at: isoDate,
  updated_at: isoDate,
});

export const PendingRecordSchema = RecordBase.extend({
  status: z.enum(['queued', 'processing']),
});
export const SucceededRecordSchema = RecordBase.extend({
  status: z.literal('succeeded'),
  result: PredictionSchema,
  model: ModelRefSchema,
  completed_at: isoDate,
  notification: NotificationStatusSchema.optional(),
});
export const FailedRecordSchema = RecordBase.extend({
  status: z.literal('failed'),
  error: TaskErrorSchema,
  model: ModelRefSchema.optional(),
  completed_at: isoDate,
  notification: NotificationStatusSchema.optional(),
});

/** Taken back by its owner before it ended: kept only so that a late result is dropped, never shown. */
export const CancelledRecordSchema = RecordBase.extend({
  status: z.literal('cancelled'),
  completed_at: isoDate,
  notification: NotificationStatusSchema.optional(),
});

/** One record per task, as kept by the ResultStore. */
export const ResultRecordSchema = z.discriminatedUnion('status', [
  PendingRecordSchema,
  SucceededRecordSchema,
  FailedRecordSchema,
  CancelledRecordSchema,
]);
export type ResultRecord = z.infer<typeof ResultRecordSchema>;
export type PendingRecord = z.infer<typeof PendingRecordSchema>;
export type TerminalRecord =
  | z.infer<typeof SucceededRecordSchema>
  | z.infer<typeof FailedRecordSchema>
  | z.infer<typeof CancelledRecordSchema>;

/** How a task ended, as the worker reports it. */
export const TaskOutcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('succeeded'), result: PredictionSchema, model: ModelRefSchema }),
  z.object({ status: z.literal('failed'), error: TaskErrorSchema, model: ModelRefSchema.optional() }),
]);
export type TaskOutcome = z.infer<typeof TaskOutcomeSchema>;

/** A fresh `queued` record, timestamps set to `now`. */
export function newQueuedRecord(taskId: string, owner: string, now: Date = new Date()): PendingRecord {
  const at = now.toISOString();
  return { task_id: taskId, owner, status: 'queued', created_at: at, updated_at: at };
}

/** The outcome that ends a task still pending `deadlineMs` after it was accepted. */
export function deadlineOutcome(deadlineMs: number): TaskOutcome {
  return {
    status: 'failed',
    error: {
      code: TASK_FAILURE_CODES.deadline_exceeded,
      message: `the task did not end within ${Math.round(deadlineMs / 1000)} s of being accepted`,
    },
  };
}

/** The outcome that ends a task whose message was dead-lettered. */
export const PROCESSING_FAILED_OUTCOME: TaskOutcome = {
  status: 'failed',
  error: { code: TASK_FAILURE_CODES.processing_failed, message: 'the image could not be processed' },
};

/** Whether a pending record has outlived `deadlineMs` since it was accepted, at `now` (ms since the epoch). */
export function isOverdue(record: ResultRecord, deadlineMs: number | undefined, now: number): boolean {
  if (deadlineMs === undefined || isTerminal(record.status)) return false;
  return Date.parse(record.created_at) + deadlineMs <= now;
}
