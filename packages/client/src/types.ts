/**
 * The bodies the visionq HTTP API answers with (its OpenAPI document names them TaskPending, TaskSucceeded,
 * TaskFailed and Error). Written out here rather than imported so that the client carries no schema library
 * into browsers; a test checks them against the API's own zod schemas.
 */

export interface ScoredLabel {
  label: string;
  /** 0..1 */
  confidence: number;
  /** Display name in the language `Accept-Language` picked, when the model has one. */
  display?: string;
}

/**
 * What became of the notification a task asked for (`fcmToken` or `callbackUrl`): the channel, the attempts
 * so far, and when it was delivered or given up on (neither yet: still being tried). Never the token or URL.
 */
export interface NotificationStatus {
  channel: 'fcm' | 'webhook';
  attempts: number;
  delivered_at?: string;
  failed_at?: string;
}

export interface PendingTask {
  task_id: string;
  status: 'queued' | 'processing';
}

export interface SucceededTask {
  task_id: string;
  status: 'succeeded';
  /**
   * The answer. `recognized: false` when the model's best guess was under the confidence floor or was its none
   * label: then `label` is the none label where the model has one (e.g. `no_sign`, "No sign recognised"), else
   * still the best guess; `confidence` and `top_k[0]` are always the best guess's.
   */
  result: ScoredLabel & { recognized: boolean; top_k: ScoredLabel[] };
  model: { name: string; version: string };
  created_at: string;
  completed_at: string;
  notification?: NotificationStatus;
}

export interface FailedTask {
  task_id: string;
  status: 'failed';
  error: { code: string; message: string };
  created_at: string;
  completed_at: string;
  notification?: NotificationStatus;
}

export type EndedTask = SucceededTask | FailedTask;
export type TaskState = PendingTask | EndedTask;

export interface ErrorBody {
  error: { code: string; message: string };
}

/** What can be uploaded: a `File` or `Blob` (browsers, `fs.openAsBlob` in Node), or raw bytes (a Buffer too). */
export type ImageInput = Blob | ArrayBuffer | ArrayBufferView;

export function isPending(state: TaskState): state is PendingTask {
  return state.status === 'queued' || state.status === 'processing';
}

/** What `GET /model` says to send: shrink to these sides (never enlarge), encode as `type` at `quality`. */
export interface UploadRecommendation {
  short_side: number;
  max_side: number;
  type: 'image/jpeg';
  /** 1–100 */
  quality: number;
}

export interface ModelLabel {
  id: string;
  /** Display names by language tag. */
  names?: Record<string, string>;
}

/** `GET /model`: the served model (its OpenAPI schema is `Model`). */
export interface ModelDescription {
  name: string;
  version: string;
  labels: ModelLabel[];
  /** The label of an answer where nothing is recognised, when the model has one. */
  none_label?: ModelLabel;
  /** A best guess under this confidence is not recognised. */
  min_confidence: number;
  /** What the model sees of a photo. */
  input: { width: number; height: number; resize: 'fill' | 'cover' | 'contain' };
  /** The upload that loses nothing for this model. */
  upload: UploadRecommendation;
}
