import { createHash, randomUUID } from 'node:crypto';
import {
  ConflictError,
  QueueFullError,
  type Admission,
  type QueueCeiling,
  TASK_MESSAGE_SCHEMA_VERSION,
  newQueuedRecord,
  type ImageType,
  type ResultRecord,
  type ResultStore,
  type TaskMessage,
  type NotifyTarget,
  type TaskQueue,
} from '@visionq/core';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

export interface Submission {
  uid: string;
  image: Uint8Array;
  /** The type sniffed from the bytes. */
  type: ImageType;
  /** What decoding it costs, in phone photos (from its header), carried to the worker with the task. */
  decodeUnits?: number;
  idempotencyKey?: string;
  /** The request's confidence floor (`?min_confidence=`), carried to the worker with the task. */
  minConfidence?: number;
  /** Who to tell when the task ends (checked already), and in which language. */
  notify?: NotifyTarget;
  language?: string;
}

export interface SubmitDeps {
  store: ResultStore;
  queue: TaskQueue;
  ceiling: QueueCeiling;
  metrics: Metrics;
}

/**
 * SPEC's submission: create the task's record together with its idempotency claim, then publish the image. A
 * retry with the same key and image finds the record the first one created; the same key with another image is a
 * conflict. When publishing fails the task was not accepted: the record (and its claim) is removed, so that a
 * retry starts afresh.
 */
export async function submitTask(
  { store, queue, ceiling, metrics }: SubmitDeps,
  { uid, image, type, decodeUnits, idempotencyKey: key, minConfidence, notify, language }: Submission,
  admission: Admission,
  log: Logger,
): Promise<ResultRecord> {
  const taskId = randomUUID();
  // The floor and the target are part of the request: the same key with another is another request. Without a
  // target, the hash is the one records made before targets existed hold.
  const fingerprint =
    key &&
    createHash('sha256')
      .update(image)
      .update(`\n${minConfidence ?? ''}`)
      .update(notify ? `\n${JSON.stringify(notify)}` : '')
      .digest('base64url');
  const created = await store.create(
    newQueuedRecord(taskId, uid),
    key && fingerprint ? { idempotency: { key, fingerprint } } : {},
  );
  if (!created.created) {
    admission.abandoned();
    if (!created.sameRequest)
      throw new ConflictError('this Idempotency-Key was already used for another image');
    return created.record;
  }
  const endTimer = metrics.publishDuration.startTimer();
  const message: TaskMessage = {
    taskId,
    owner: uid,
    contentType: type,
    timestamp: Date.now(),
    ...(minConfidence === undefined ? {} : { minConfidence }),
    ...(notify ? { notify } : {}),
    ...(language ? { language } : {}),
    ...(decodeUnits === undefined ? {} : { decodeUnits }),
    schemaVersion: TASK_MESSAGE_SCHEMA_VERSION,
  };
  try {
    await queue.publish({ message, image });
  } catch (error) {
    admission.abandoned();
    await store
      .delete(taskId)
      .catch((cleanup: unknown) => log.warn({ err: cleanup, task_id: taskId }, 'cleanup failed'));
    if (!(error instanceof QueueFullError)) throw error;
    // The broker's own limit: every API shares it, and it knows better than this process's count.
    ceiling.brokerRefused();
    metrics.queueFull.inc({ by: 'broker' });
    throw ceiling.full();
  }
  admission.queued();
  endTimer();
  metrics.tasksSubmitted.inc();
  // The channel only: a token or a URL never goes to the logs.
  log.info({ task_id: taskId, type, bytes: image.length, notify: notify?.channel }, 'task queued');
  return created.record;
}
