import type {
  ModelRef,
  Prediction,
  ResultRecord,
  PendingRecord,
  TaskMessage,
  TaskOutcome,
  DisplayNames,
  NotificationChannel,
  NotificationStatus,
  NotifyTarget,
  TerminalRecord,
} from './schemas.js';
import type { VisionqError } from './errors.js';

/** Something that holds connections, threads or timers. `close()` is idempotent. */
export interface Closeable {
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// TokenVerifier

export interface VerifiedToken {
  uid: string;
  /** Decoded claims, for apps that want `email`, custom claims and so on. */
  claims: Readonly<Record<string, unknown>>;
}

export interface TokenVerifier extends Closeable {
  /**
   * Verifies a bearer token (without the `Bearer ` prefix).
   * Resolves with the uid; rejects with `UnauthorizedError` (its `reason` says why) for any token that is not
   * acceptable, or with `UnavailableError` when the identity provider cannot be reached.
   */
  verify(token: string): Promise<VerifiedToken>;
}

// ---------------------------------------------------------------------------------------------------------
// AppCheckVerifier

export interface VerifiedAppCheck {
  /** The Firebase app the token was issued to (`1:<project number>:android:<hash>`, …). */
  appId: string;
}

/**
 * Verifies a Firebase App Check token, which attests that a request comes from a genuine copy of the app.
 * Resolves with the app id; rejects with `UnauthorizedError` for a token that is not acceptable, or with
 * `UnavailableError` when the keys to check it cannot be fetched.
 */
export interface AppCheckVerifier extends Closeable {
  verify(token: string): Promise<VerifiedAppCheck>;
}

// ---------------------------------------------------------------------------------------------------------
// TaskQueue

/** A task as it travels on the queue: validated metadata plus the raw image bytes. */
export interface QueuedTask {
  message: TaskMessage;
  image: Uint8Array;
}

export interface DeliveredTask extends QueuedTask {
  /**
   * 1 on first delivery; grows with every redelivery after a handler failure, and (RabbitMQ 3.x quorum queues,
   * the in-memory queue) after a consumer crash.
   */
  deliveryCount: number;
}

/**
 * Handles one delivered task. Resolving acknowledges the message (it is gone for good). Rejecting with an
 * error that `isTransient` calls transient (a transient `VisionqError`, or any non-visionq error) returns it
 * to the queue, up to the queue's delivery limit, after which it is dead-lettered. Rejecting with a permanent
 * `VisionqError` dead-letters it at once.
 */
export type TaskHandler = (task: DeliveredTask) => Promise<void>;

export interface ConsumeOptions {
  /** Most messages handed to `handler` and not yet settled, at once. Bounds memory. */
  prefetch: number;
}

export interface Consumption {
  /** Stops taking new messages and resolves once every handler in flight has settled (and been acked). */
  stop(): Promise<void>;
}

/** A task whose message was dead-lettered: by its consumer, or by the queue at its delivery limit. */
export interface DeadLetter {
  taskId: string;
  owner: string;
  /** Who the task's message said to tell when it ends, and in which language, when it said so. */
  notify?: NotifyTarget;
  language?: string;
}

/**
 * Handles one dead letter. Resolving removes it from the feed; rejecting hands it back, to be offered again
 * later. Dead letters whose metadata fails the schema are never handed over (no task to end).
 */
export type DeadLetterHandler = (letter: DeadLetter) => Promise<void>;

export interface TaskQueue extends Closeable {
  /**
   * Queues one task. Resolves only once the task is safely queued (RabbitMQ: publisher confirm). Rejects with
   * `InvalidMessageError` when the metadata fails the schema or the image is empty, `QueueFullError` when the
   * queue is at its length limit (nothing was queued), or `UnavailableError` when the queue cannot take it now;
   * it never waits forever.
   */
  publish(task: QueuedTask): Promise<void>;

  /** Messages waiting for a consumer now (not those in a consumer's hands). Rejects with `UnavailableError`. */
  depth(): Promise<number>;

  /**
   * Starts handing every task that gets dead-lettered from now on (whoever dead-lettered it) to `handler`, so
   * that its record can be ended. Several consumers share the feed; each dead letter reaches one of them.
   * Survives reconnects. Rejects with `InvalidRequestError` when `prefetch` is not a positive integer.
   */
  consumeDeadLetters(handler: DeadLetterHandler, options: ConsumeOptions): Promise<Consumption>;

  /**
   * Starts delivering tasks to `handler`, at most `prefetch` unsettled at once. Messages whose metadata fails
   * the schema, or with an empty body, never reach the handler: they are dead-lettered. Survives reconnects by
   * itself. Rejects with `InvalidRequestError` when `prefetch` is not a positive integer.
   */
  consume(handler: TaskHandler, options: ConsumeOptions): Promise<Consumption>;

  /** Resolves when the queue is reachable now; rejects with `UnavailableError` otherwise. */
  ping(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// ResultStore

export interface IdempotencyClaim {
  /** Client-chosen key, scoped to the record's owner. */
  key: string;
  /** Identifies the request body (e.g. a hash of the image), to tell a retry from a different request. */
  fingerprint: string;
}

export type CreateOutcome =
  | { created: true; record: ResultRecord }
  /** The owner already used this idempotency key for a live task: that task, and whether it was the same body. */
  | { created: false; record: ResultRecord; sameRequest: boolean };

export interface ResultStore extends Closeable {
  /**
   * Stores a new `queued` record. With `idempotency`, atomically claims the owner's key first: if the key
   * already names a live task, nothing is written and that task is returned instead. Rejects with
   * `ConflictError` if a record with this task id exists, `UnavailableError` if the store is unreachable.
   * The record lives for the store's pending TTL until it ends.
   */
  create(record: PendingRecord, options?: { idempotency?: IdempotencyClaim }): Promise<CreateOutcome>;

  /**
   * Moves a `queued` task to `processing`. No effect on a task that already ended (a late redelivery never
   * reopens a finished task). Resolves with the record as stored afterwards, or `undefined` if there is none.
   */
  markProcessing(taskId: string): Promise<ResultRecord | undefined>;

  /**
   * Ends a task. The first completion wins: if the task already ended (cancelled, or failed at its deadline
   * included), nothing changes and the stored record is returned. Creates the record (with `owner`) if it expired or was never written. Terminal records live for
   * the store's result TTL. Wakes every `waitFor` of this task, in any process.
   */
  complete(taskId: string, owner: string, outcome: TaskOutcome): Promise<ResultRecord>;

  /**
   * The record, or `undefined` if unknown or expired. Rejects with `CorruptRecordError` if it fails the schema.
   * With a task deadline, a task still pending past it is ended `failed`/`deadline_exceeded` here (and by every
   * other method that reads it), so the deadline holds with no worker running.
   */
  get(taskId: string): Promise<ResultRecord | undefined>;

  /**
   * Resolves with the record as soon as the task has ended (at the latest at its deadline, if the store has
   * one), or after `timeoutMs` (or when `signal` aborts) with the record as it is then. An unknown task (`undefined`) or one that already ended resolves at once.
   * Never polls: completion wakes it, whichever client or process completed it.
   */
  waitFor(taskId: string, timeoutMs: number, signal?: AbortSignal): Promise<ResultRecord | undefined>;

  /**
   * Takes a task back for its owner. A task that has not ended becomes `cancelled` (a terminal record, kept as
   * long as a pending one so that the worker drops it and its late result); one that has ended (or was
   * cancelled) is removed at once, with its idempotency key. Resolves with the record as it was before, or
   * `undefined` if there is none. Wakes every `waitFor` of a cancelled task.
   */
  cancel(taskId: string): Promise<ResultRecord | undefined>;

  /**
   * Writes what became of an ended task's notification into its record. Changes nothing else: not the outcome,
   * not `updated_at`, not how long the record lives (its result TTL runs on). Resolves with the record as stored
   * afterwards, unchanged if the task has not ended, or `undefined` if there is none (expired or deleted: nothing
   * is created). Rejects with `InvalidRequestError` for a status that fails the schema.
   */
  recordNotification(taskId: string, status: NotificationStatus): Promise<ResultRecord | undefined>;

  /** Removes a task and any idempotency key naming it (used when the task could not be queued). */
  delete(taskId: string): Promise<void>;

  /** Resolves when the store is reachable now; rejects with `UnavailableError` otherwise. */
  ping(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Classifier

export interface LabelInfo {
  id: string;
  names?: DisplayNames;
}

export interface ModelInfo extends ModelRef {
  labels: readonly LabelInfo[];
  /** The answer when nothing is recognised, e.g. `no_sign`: one of `labels` or a label of its own. */
  noneLabel?: LabelInfo;
  /** The confidence floor (0–1): a best guess under it is not recognised. None means 0. */
  minConfidence?: number;
}

export type Classification = { ok: true; prediction: Prediction } | { ok: false; error: VisionqError };

export interface ClassifyOptions {
  /** Replaces the model's confidence floor for this call (0–1). */
  minConfidence?: number;
}

export interface Classifier extends Closeable {
  readonly model: ModelInfo;

  /**
   * Batches it runs inference on at once (e.g. one per inference worker thread), a positive integer fixed for
   * its lifetime. Callers size their own concurrency from it: `slots + 1` batches in hand keep every slot busy
   * while the next batch is decoded.
   */
  readonly slots: number;

  /**
   * Classifies encoded images (JPEG, PNG, …), one result per image in the same order. An image that cannot be
   * decoded yields `{ ok: false, error: InvalidImageError }` without failing the others. Rejects only when the
   * classifier itself fails (closed, model error), or with `InvalidRequestError` for a floor outside 0–1.
   * Every prediction says whether it is `recognized`, by the model's floor and none label (see `recognize`).
   */
  classify(images: readonly Uint8Array[], options?: ClassifyOptions): Promise<Classification[]>;
}

// ---------------------------------------------------------------------------------------------------------
// NotificationOutbox

/** A notification owed: enough to send it once its task's record is read. */
export interface OutboxEntry {
  /** The notification's id, the same on every append for one task (`notificationId(taskId)`). */
  id: string;
  taskId: string;
  target: NotifyTarget;
  language?: string;
}

/** An entry handed to one consumer, with what `settle` needs to remove it. */
export interface ClaimedEntry {
  /** The outbox's own name for this entry. */
  receipt: string;
  entry: OutboxEntry;
}

/**
 * A durable list of notifications owed, written before a task's message is acknowledged so that a worker that
 * dies after storing a result still has its notification sent by another. Shared by every worker: each entry is
 * claimed by one consumer at a time; one claimed and not settled within the outbox's idle time (its consumer
 * died) is offered again. Delivery is therefore at least once.
 */
export interface NotificationOutbox extends Closeable {
  /**
   * Adds one entry; resolves once it is durable (as durable as the store's records). Appending the same
   * notification twice gives two entries, which receivers tell apart by its id. Rejects with
   * `InvalidRequestError` for an entry that fails the schema, `UnavailableError` when the outbox is unreachable.
   */
  append(entry: OutboxEntry): Promise<void>;

  /**
   * Claims up to `count` entries for `consumer` (a name unique to one process): entries another consumer claimed
   * and left unsettled past the idle time first, then new ones. Resolves at once, with none when there are none;
   * never hands one entry to two consumers within its idle time. Entries that fail the schema are dropped, never
   * handed over. Rejects with `InvalidRequestError` when `count` is not a positive integer.
   */
  claim(consumer: string, count: number): Promise<ClaimedEntry[]>;

  /** Removes a claimed entry for good. Settling one that is already gone does nothing. */
  settle(receipt: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Notifier

/** One ended task to tell someone about. */
export interface Notification {
  /**
   * Names this notification, the same on every attempt and every redelivery (e.g. derived from the task id),
   * so that receivers can drop duplicates: delivery is at least once.
   */
  id: string;
  target: NotifyTarget;
  /** The task as its owner would read it. */
  record: TerminalRecord;
  /** The language the request asked for (`Accept-Language`), for display names. */
  language?: string;
}

export interface NotifyOptions {
  /** Stops retrying: `notify` then rejects with the signal's reason, and the caller offers it again later. */
  signal?: AbortSignal;
}

/**
 * Tells a device or a server that a task ended. Each implementation serves one channel and retries transient
 * failures (network errors, timeouts, 5xx, 429) with backoff for a bounded time of its own.
 */
export interface Notifier extends Closeable {
  readonly channel: NotificationChannel;
  /**
   * Delivers one notification. Resolves with what became of it: `delivered_at` once the receiver took it,
   * `failed_at` when it refused it for good (never retried: an unregistered device, a 4xx) or the retry time ran
   * out. Never rejects for the receiver's sake, so a notification can never fail its task; rejects only when
   * `signal` aborts or the notifier is closed (nothing was decided: offer it again).
   * Rejects with `InvalidRequestError` for a target of another channel.
   */
  notify(notification: Notification, options?: NotifyOptions): Promise<NotificationStatus>;
}
