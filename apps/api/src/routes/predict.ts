import { Router } from 'express';
import { InvalidRequestError, QueueFullError, type Admission } from '@visionq/core';
import type { AppDeps } from '../app.js';
import { admitUpload } from '../http/admit-upload.js';
import { checkedTarget, requestLanguage } from '../http/notify-target.js';
import { readUpload } from '../http/upload.js';
import { DEFAULT_UPLOAD_BUDGET, createUploadBudget } from '../http/upload-budget.js';
import { answerTask, minConfidence, waitSeconds } from '../http/wait.js';
import { submitTask } from '../submit.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** POST /predict: validate the upload, submit the task, answer 202 (or the result, with ?wait). */
export function predictRoute(deps: AppDeps): Router {
  const { store, limitUploads, inspectImage, uploads, ceiling, metrics } = deps;
  const { maxUploadBytes } = deps.settings;
  const upload = readUpload(maxUploadBytes, uploads);
  const budget = createUploadBudget(deps.settings.uploadBudget ?? DEFAULT_UPLOAD_BUDGET);
  const admit = (): Admission => {
    try {
      return ceiling.admit();
    } catch (error) {
      if (error instanceof QueueFullError) metrics.queueFull.inc({ by: 'api' });
      throw error;
    }
  };

  // An upload counted once before its body was read; one that costs more to decode than a phone photo counts the
  // rest once its header is known, so that costly formats cannot take more of the workers than photos do.
  const chargeDecoding = (uid: string, units: number) =>
    limitUploads(
      uid,
      units - 1,
      `this image costs as much to decode as ${units} photos, more than your uploads left this minute; ` +
        'send it smaller, or as a JPEG',
    );

  return Router().post('/predict', async (req, res) => {
    const uid = res.locals.uid as string;
    const wait = waitSeconds(req);
    const floor = minConfidence(req);
    const idempotencyKey = req.get('idempotency-key');
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new InvalidRequestError('Idempotency-Key must be 1–255 visible ASCII characters');
    }
    await limitUploads(uid);
    // Before the body is read: a full queue answers at once, whatever the upload's size.
    const admission = admit();
    let image: Uint8Array;
    try {
      admitUpload(req, res, maxUploadBytes, budget);
      image = await upload(req, res);
    } catch (error) {
      admission.abandoned();
      throw error;
    }
    let record;
    try {
      const [{ type, decodeUnits }, notify] = await Promise.all([
        inspectImage(image),
        checkedTarget(req, deps.notify ?? { fcm: false }),
      ])
        .then(async (checked) => {
          await chargeDecoding(uid, checked[0].decodeUnits);
          return checked;
        })
        .catch((error: unknown) => {
          admission.abandoned();
          throw error;
        });
      const language = notify && requestLanguage(req);
      const submission = {
        uid,
        image,
        type,
        decodeUnits,
        idempotencyKey,
        ...(floor === undefined ? {} : { minConfidence: floor }),
        ...(notify ? { notify } : {}),
        ...(language ? { language } : {}),
      };
      record = await submitTask(deps, submission, admission, req.log);
    } finally {
      // Queued (the queue retained it, or copied it) or refused: either way this request is done with it.
      uploads.release(image);
    }
    await answerTask(req, res, { store, record, wait, pending: { Location: `/result/${record.task_id}` } });
  });
}
