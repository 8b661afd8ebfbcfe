import { errorFromFailedTask } from './errors.js';
import { imageBody } from './image.js';
import { modelDescription, taskState } from './bodies.js';
import { MAX_WAIT_SECONDS, fraction, resolveOptions, seconds, type VisionqClientOptions } from './options.js';
import { abortable } from './timing.js';
import { shrinkImage } from './shrink.js';
import { send } from './transport.js';
import {
  isPending,
  type EndedTask,
  type ImageInput,
  type ModelDescription,
  type SucceededTask,
  type TaskState,
  type UploadRecommendation,
} from './types.js';

/** Who to tell when the task ends, instead of (or as well as) waiting for it: one of the two, not both. */
export interface NotifyOptions {
  /**
   * A Firebase Cloud Messaging registration token: the device gets a data message (`task_id`, `status`,
   * `label`, `label_name`) when the task ends. Sent as the `X-Firebase-Messaging-Token` header.
   */
  fcmToken?: string;
  /**
   * An https URL the API may call (its host on the server's CALLBACK_HOSTS): it gets a signed webhook when the
   * task ends. Sent as the `callback_url` query parameter; a refused URL is a `invalid_callback` error (422).
   */
  callbackUrl?: string;
}

export interface SubmitOptions extends NotifyOptions {
  /** Retries with the same key (same user, within the API's RESULT_TTL) get the same task back. */
  idempotencyKey?: string;
  /** Seconds (0–30) the API may hold the request for the result; default 0 (answer at once). */
  wait?: number;
  /** The confidence floor (0–1) for this photo instead of the model's: a best guess under it is not recognised. */
  minConfidence?: number;
  /** Shrink the photo to the model's recommended upload first; default: the client's `shrink` option. */
  shrink?: boolean;
  signal?: AbortSignal;
}

export interface ResultOptions {
  /** Seconds (0–30) to long-poll for the end of the task; default 0 (answer at once). */
  wait?: number;
  signal?: AbortSignal;
}

export interface ClassifyOptions extends NotifyOptions {
  /** Default: a fresh random key, so that a retried upload never creates a second task. */
  idempotencyKey?: string;
  /** The confidence floor (0–1) for this photo instead of the model's. */
  minConfidence?: number;
  /** Shrink the photo to the model's recommended upload first; default: the client's `shrink` option. */
  shrink?: boolean;
  /** Aborts the upload or the wait; `AbortSignal.timeout(ms)` bounds the whole call. */
  signal?: AbortSignal;
}

export interface VisionqClient {
  /** POST /predict. Resolves with the task: pending (202) or, with `wait` or a reused key, ended (200). */
  submit(image: ImageInput, options?: SubmitOptions): Promise<TaskState>;
  /** GET /result/{taskId}. Unknown, expired and other users' tasks are all a `not_found` error. */
  result(taskId: string, options?: ResultOptions): Promise<TaskState>;
  /** Long-polls until the task ends, however long that takes; bound it with a signal. */
  waitFor(taskId: string, options?: { signal?: AbortSignal }): Promise<EndedTask>;
  /**
   * DELETE /result/{taskId}: takes a task back. One not yet classified never is; one being classified ends
   * `cancelled` and its result is dropped; an ended one's result is deleted at once. Afterwards the task is a
   * `not_found` error, as is an unknown, expired, already cancelled or other user's task here.
   */
  cancel(taskId: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Submit and wait. Resolves with the prediction; a task that failed throws a `VisionqApiError`. */
  classify(image: ImageInput, options?: ClassifyOptions): Promise<SucceededTask>;
  /** GET /model: the served model, its labels and the upload that loses nothing for it. */
  model(options?: { signal?: AbortSignal }): Promise<ModelDescription>;
}

export function createVisionqClient(options: VisionqClientOptions): VisionqClient {
  const settings = resolveOptions(options);
  const waitQuery = (wait: number | undefined) =>
    wait ? `?wait=${seconds('wait', wait, 0, MAX_WAIT_SECONDS)}` : '';
  const predictQuery = (
    wait: number | undefined,
    minConfidence: number | undefined,
    callbackUrl: string | undefined,
  ) => {
    const query = new URLSearchParams();
    if (callbackUrl !== undefined) query.set('callback_url', callbackUrl);
    if (wait) query.set('wait', String(seconds('wait', wait, 0, MAX_WAIT_SECONDS)));
    if (minConfidence !== undefined)
      query.set('min_confidence', String(fraction('minConfidence', minConfidence)));
    const text = query.toString();
    return text ? `?${text}` : '';
  };

  const client: VisionqClient = {
    async submit(
      image,
      { idempotencyKey, wait, minConfidence, fcmToken, callbackUrl, shrink = settings.shrink, signal } = {},
    ) {
      const upload = await imageBody(image, shrink ? (bytes) => shrunk(bytes, signal) : undefined);
      const { status, body } = await send(settings, {
        method: 'POST',
        path: `predict${predictQuery(wait, minConfidence, callbackUrl)}`,
        body: upload.body,
        headers: {
          'Content-Type': upload.contentType,
          ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }),
          ...(fcmToken === undefined ? {} : { 'X-Firebase-Messaging-Token': fcmToken }),
        },
        idempotent: idempotencyKey !== undefined,
        ...(signal ? { signal } : {}),
      });
      return taskState(body, status);
    },

    async result(taskId, { wait, signal } = {}) {
      return (await poll(taskId, wait, signal)).task;
    },

    async waitFor(taskId, { signal } = {}) {
      for (;;) {
        const { task, retryAfterSeconds } = await poll(taskId, settings.pollWaitSeconds, signal);
        if (!isPending(task)) return task;
        // The API held the request for the whole wait and still asks for a pause before the next one.
        if (retryAfterSeconds) await abortable(retryAfterSeconds * 1000, signal);
      }
    },

    async cancel(taskId, { signal } = {}) {
      await send(settings, {
        method: 'DELETE',
        path: `result/${encodeURIComponent(taskId)}`,
        idempotent: true,
        ...(signal ? { signal } : {}),
      });
    },

    async classify(
      image,
      { idempotencyKey = randomKey(), minConfidence, fcmToken, callbackUrl, shrink, signal } = {},
    ) {
      let task = await client.submit(image, {
        idempotencyKey,
        ...(shrink === undefined ? {} : { shrink }),
        wait: settings.pollWaitSeconds,
        ...(minConfidence === undefined ? {} : { minConfidence }),
        ...(fcmToken === undefined ? {} : { fcmToken }),
        ...(callbackUrl === undefined ? {} : { callbackUrl }),
        ...(signal ? { signal } : {}),
      });
      if (isPending(task)) task = await client.waitFor(task.task_id, signal ? { signal } : {});
      if (task.status === 'failed') throw errorFromFailedTask(task);
      return task;
    },

    async model({ signal } = {}) {
      const answer = await send(settings, {
        method: 'GET',
        path: 'model',
        idempotent: true,
        anonymous: true,
        ...(signal ? { signal } : {}),
      });
      return modelDescription(answer.body, answer.status);
    },
  };

  // Asked once per client. An API without GET /model (404) is remembered as such; any other failure is asked
  // again next time. Either way this photo goes as it is: shrinking is an optimisation, never a requirement.
  let recommended: Promise<UploadRecommendation | undefined> | undefined;
  const recommendation = (signal: AbortSignal | undefined) => {
    recommended ??= client.model(signal ? { signal } : {}).then(
      (model) => model.upload,
      (error: unknown) => {
        if ((error as { status?: unknown }).status !== 404) recommended = undefined;
        return undefined;
      },
    );
    return recommended;
  };
  const shrunk = async (bytes: Uint8Array, signal: AbortSignal | undefined) => {
    const upload = await recommendation(signal);
    signal?.throwIfAborted();
    return (upload && (await shrinkImage(bytes, upload))?.bytes) ?? bytes;
  };

  async function poll(taskId: string, wait: number | undefined, signal: AbortSignal | undefined) {
    const answer = await send(settings, {
      method: 'GET',
      path: `result/${encodeURIComponent(taskId)}${waitQuery(wait)}`,
      idempotent: true,
      ...(signal ? { signal } : {}),
    });
    return { task: taskState(answer.body, answer.status), retryAfterSeconds: answer.retryAfterSeconds };
  }

  return client;
}

/** 128 random bits, hex. `crypto.randomUUID` would do, but browsers only offer it on https pages. */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
