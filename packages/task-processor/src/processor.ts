import {
  PROCESSING_FAILED_OUTCOME,
  isTerminal,
  notificationId,
  isTransient,
  recognize,
  type Classification,
  type Classifier,
  type Consumption,
  type DeadLetter,
  type DeliveredTask,
  type NotificationOutbox,
  type NotifyTarget,
  type ResultRecord,
  type ResultStore,
  type TaskOutcome,
  type TaskQueue,
} from '@visionq/core';
import { setMaxListeners } from 'node:events';
import { Batcher } from './batcher.js';
import { SuspectLine } from './suspects.js';
import { DEFAULT_RETRY, retryTransient, type RetryPolicy } from './retry.js';

export interface TaskProcessorOptions {
  queue: TaskQueue;
  store: ResultStore;
  classifier: Classifier;
  /** Messages held at once: bounds memory. At least `maxBatch`, ideally two batches' worth. */
  prefetch: number;
  /** Most images classified in one inference call. */
  maxBatch: number;
  /** Longest an image waits for batch-mates while the classifier has a free slot, in milliseconds. */
  maxDelayMs: number;
  /**
   * Batches handed to the classifier at once. Images that arrive while all are busy form the next batch.
   * Default `classifier.slots + 1`: one batch in inference per slot, plus one being decoded.
   */
  maxConcurrentBatches?: number;
  /**
   * A task whose image costs at least this many phone photos to decode (`TaskMessage.decodeUnits`, from the
   * producer) is classified alone, one such task at a time, beside the batches: a 16-megapixel AVIF takes a core
   * for over a second, and its batch-mates would wait for it. Default 4 (a 12-megapixel progressive JPEG); 0 puts
   * every task in the batches.
   */
  costlyDecodeUnits?: number;
  /** How store writes are retried during an outage before the task goes back to the queue. */
  retry?: Partial<RetryPolicy>;
  /** On `stop()`, how long tasks may keep retrying store writes before going back to the queue. Default 10 s. */
  stopGraceMs?: number;
  /**
   * Also consume the queue's dead-letter feed and end each dead-lettered task `failed`/`processing_failed`
   * (first completion wins: a task that ended otherwise keeps its outcome). Default true.
   */
  endDeadLetters?: boolean;
  /**
   * Where a task whose message names someone to notify gets its notification entry, once its record is stored
   * and before its message is acknowledged (a redelivered task that had ended gets one again; so does a
   * dead-lettered task). A `NotificationDispatcher` sends them. Without it, nobody is notified.
   */
  outbox?: NotificationOutbox;
  /** Observers, for logs and metrics. They must not throw. */
  events?: TaskProcessorEvents;
}

/** `costlyDecodeUnits` unless told: about 140 ms of a core, four times a phone photo's decode. */
const DEFAULT_COSTLY_DECODE_UNITS = 4;

export interface TaskProcessorEvents {
  taskEnded?(record: ResultRecord, info: { durationMs: number; deliveryCount: number }): void;
  batchClassified?(size: number, durationMs: number): void;
  /** A delivery that will be retried (transient) or dead-lettered (permanent). */
  taskError?(taskId: string, error: unknown): void;
  /** A dead-lettered task, and its record afterwards (`failed`/`processing_failed`, or how it had ended). */
  deadLetterEnded?(record: ResultRecord): void;
  /** A notification that could not be put in the outbox for good (its task still ends; nobody is told). */
  notificationLost?(taskId: string, error: unknown): void;
}

export interface TaskProcessor {
  /** Starts consuming. */
  start(): Promise<void>;
  /** Stops taking tasks and resolves once every task in hand has been stored and acknowledged. */
  stop(): Promise<void>;
}

/**
 * The worker's loop: for each delivered task, mark it `processing`, classify it together with whatever arrived
 * with it, store the outcome, and only then let the queue acknowledge it. A worker that dies anywhere in between
 * leaves the message unacknowledged, so it is redelivered and the task still ends.
 */
export function createTaskProcessor(options: TaskProcessorOptions): TaskProcessor {
  const { queue, store, classifier, outbox, events = {} } = options;
  if (options.prefetch < options.maxBatch) throw new RangeError('prefetch must be at least maxBatch');
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const stopping = new AbortController();
  // Each task in hand listens to this signal while one of its store writes retries, one write at a time: up to
  // `prefetch` listeners at once, by design. Node's default limit (10) would call a full prefetch a leak.
  setMaxListeners(options.prefetch + 1, stopping.signal);
  const classify = async (tasks: DeliveredTask[]) => {
    const started = performance.now();
    const results = await classifier.classify(tasks.map((task) => task.image));
    events.batchClassified?.(tasks.length, performance.now() - started);
    // One batch mixes requests: a task's own floor is applied to its prediction by the same rule.
    return results.map((result, i) => withFloor(result, tasks[i]?.message.minConfidence, classifier));
  };
  const batcher = new Batcher<DeliveredTask, Classification>({
    maxSize: options.maxBatch,
    maxDelayMs: options.maxDelayMs,
    maxConcurrent: options.maxConcurrentBatches ?? classifier.slots + 1,
    run: classify,
  });
  const costly = new Batcher<DeliveredTask, Classification>({
    maxSize: 1,
    maxDelayMs: 0,
    maxConcurrent: 1,
    run: classify,
  });
  const costlyDecodeUnits = options.costlyDecodeUnits ?? DEFAULT_COSTLY_DECODE_UNITS;
  const laneOf = (task: DeliveredTask) =>
    costlyDecodeUnits > 0 && (task.message.decodeUnits ?? 1) >= costlyDecodeUnits ? costly : batcher;
  // A redelivered task may be what failed (or killed) its batch: alone, one at a time, it can fail only itself,
  // and its former batch-mates (redelivered too) succeed on their own.
  const suspects = new SuspectLine<ResultRecord>();
  let consumption: Consumption | undefined;
  let deadLetters: Consumption | undefined;

  /**
   * Owes the notification of an ended task, if it names someone to tell. Retried like a store write; a transient
   * failure that outlasts it hands the message back (the redelivery owes it again), a permanent one is reported
   * and the task goes on: a notification never fails its task.
   */
  const owe = async (record: ResultRecord, target: NotifyTarget | undefined, language?: string) => {
    if (!target || !outbox || record.status === 'cancelled' || !isTerminal(record.status)) return;
    const taskId = record.task_id;
    const entry = { id: notificationId(taskId), taskId, target, ...(language && { language }) };
    try {
      await retryTransient(() => outbox.append(entry), retry, stopping.signal);
    } catch (error) {
      if (isTransient(error)) throw error;
      events.notificationLost?.(taskId, error);
    }
  };

  const handle = async (task: DeliveredTask): Promise<void> => {
    const started = performance.now();
    const { taskId, owner, notify, language } = task.message;
    try {
      const current = await retryTransient(() => store.markProcessing(taskId), retry, stopping.signal);
      // Cancelled, past its deadline, or redelivered after its result was stored: acknowledged unclassified,
      // its notification owed again in case the first delivery died before it was.
      if (current && isTerminal(current.status)) return await owe(current, notify, language);
      const finish = (classification: Classification) =>
        retryTransient(
          () => store.complete(taskId, owner, toOutcome(classification, classifier)),
          retry,
          stopping.signal,
        );
      const record =
        task.deliveryCount > 1
          ? await suspects.add(task.deliveryCount, task.message.timestamp, async () => {
              const [classification] = await classify([task]);
              return finish(classification as Classification);
            })
          : await finish(await laneOf(task).add(task));
      await owe(record, notify, language);
      events.taskEnded?.(record, {
        durationMs: performance.now() - started,
        deliveryCount: task.deliveryCount,
      });
    } catch (error) {
      events.taskError?.(taskId, error);
      throw error;
    }
  };

  const endDeadLetter = async ({ taskId, owner, notify, language }: DeadLetter): Promise<void> => {
    const record = await retryTransient(
      () => store.complete(taskId, owner, PROCESSING_FAILED_OUTCOME),
      retry,
      stopping.signal,
    );
    await owe(record, notify, language);
    events.deadLetterEnded?.(record);
  };

  return {
    async start() {
      if (options.endDeadLetters ?? true)
        deadLetters ??= await queue.consumeDeadLetters(endDeadLetter, { prefetch: options.prefetch });
      consumption ??= await queue.consume(handle, { prefetch: options.prefetch });
    },
    async stop() {
      const running = consumption;
      const feed = deadLetters;
      consumption = undefined;
      deadLetters = undefined;
      batcher.flush();
      costly.flush();
      suspects.flush();
      // Tasks stuck retrying a dead store give up after the grace period and go back to the queue.
      const grace = setTimeout(() => stopping.abort(), options.stopGraceMs ?? 10_000);
      await Promise.all([running?.stop(), feed?.stop()]);
      clearTimeout(grace);
      stopping.abort();
    },
  };
}

function withFloor(
  result: Classification,
  floor: number | undefined,
  classifier: Classifier,
): Classification {
  if (!result.ok || floor === undefined) return result;
  return { ok: true, prediction: recognize(result.prediction, classifier.model, floor) };
}

function toOutcome(classification: Classification, classifier: Classifier): TaskOutcome {
  const model = { name: classifier.model.name, version: classifier.model.version };
  if (classification.ok) return { status: 'succeeded', result: classification.prediction, model };
  const { error } = classification;
  // Worth another delivery (the classifier is closing, a dependency is down): hand the task back.
  if (isTransient(error)) throw error;
  // Anything permanent ends the task with its reason, so that no task waits forever in `processing`. Only the
  // image's own faults are explained to its owner.
  const imageFault =
    error.code === 'invalid_image' || error.code === 'unsupported_type' || error.code === 'too_large';
  const message = imageFault ? error.message : 'the image could not be classified';
  return { status: 'failed', error: { code: error.code, message }, model };
}
