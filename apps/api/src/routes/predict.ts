import { createHash, randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import {
  ConflictError,
  InvalidRequestError,
  TASK_MESSAGE_SCHEMA_VERSION,
  isTerminal,
  newQueuedRecord,
  type ResultRecord,
  type TaskMessage,
} from '@visionq/core';
import type { ApiDeps } from '../deps.js';
import { pendingBody, terminalBody } from '../http/result-body.js';
import { admitUpload } from '../http/admit-upload.js';
import { readUpload } from '../http/upload.js';
import { DEFAULT_UPLOAD_BUDGET, createUploadBudget } from '../http/upload-budget.js';
import { clientGone, waitSeconds } from '../http/wait.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** POST /predict: validate the upload, record the task, queue the image, answer 202 (or the result, with ?wait). */
export function predictRoute(deps: ApiDeps): Router {
  const { store, queue, metrics, limitUploads, inspectImage, uploads } = deps;
  const { maxUploadBytes } = deps.settings;
  const upload = readUpload(maxUploadBytes, uploads);
  const budget = createUploadBudget(deps.settings.uploadBudget ?? DEFAULT_UPLOAD_BUDGET);

  return Router().post('/predict', async (req, res) => {
    const uid = res.locals.uid as string;
    const wait = waitSeconds(req);
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new InvalidRequestError('Idempotency-Key must be 1–255 visible ASCII characters');
    }
    await limitUploads(uid);
    admitUpload(req, res, maxUploadBytes, budget);
    const image = await upload(req);
    let record: ResultRecord;
    try {
      record = await accept(req, uid, image, key);
    } finally {
      // Queued (the queue retained it, or copied it) or refused: either way this request is done with it.
      uploads.release(image);
    }

    if (wait > 0 && !isTerminal(record.status)) {
      record = (await store.waitFor(record.task_id, wait * 1000, clientGone(res))) ?? record;
    }
    if (record.status === 'succeeded' || record.status === 'failed') {
      res.status(200).json(terminalBody(record, req));
      return;
    }
    res.status(202).location(`/result/${record.task_id}`).json(pendingBody(record));
  });

  /** Sniffs the upload, records the task and queues it; or finds the task an earlier retry created. */
  async function accept(
    req: Request,
    uid: string,
    image: Uint8Array,
    key: string | undefined,
  ): Promise<ResultRecord> {
    const { type } = await inspectImage(image);
    const taskId = randomUUID();
    const fingerprint = key && createHash('sha256').update(image).digest('base64url');
    const created = await store.create(
      newQueuedRecord(taskId, uid),
      key && fingerprint ? { idempotency: { key, fingerprint } } : {},
    );
    if (!created.created) {
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
      schemaVersion: TASK_MESSAGE_SCHEMA_VERSION,
    };
    try {
      await queue.publish({ message, image });
    } catch (error) {
      // Not queued, so not accepted: forget the record (and the idempotency key) so that a retry starts afresh.
      await store
        .delete(taskId)
        .catch((cleanup: unknown) => req.log.warn({ err: cleanup, task_id: taskId }, 'cleanup failed'));
      throw error;
    }
    endTimer();
    metrics.tasksSubmitted.inc();
    req.log.info({ task_id: taskId, type, bytes: image.length }, 'task queued');
    return created.record;
  }
}
