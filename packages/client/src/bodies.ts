import { ERROR_CODES } from '@visionq/core';
import { VisionqApiError } from './errors.js';
import type { ModelDescription, TaskState } from './types.js';

const STATUSES = new Set(['queued', 'processing', 'succeeded', 'failed']);

/**
 * Checks that a 200/202 body is a task state before the caller relies on it. Only what the client and its types
 * depend on is checked, so that fields a newer API adds pass through.
 */
export function taskState(body: unknown, httpStatus: number): TaskState {
  const task = body as Partial<Record<string, unknown>> | undefined;
  const ok =
    typeof task === 'object' &&
    task !== null &&
    typeof task.task_id === 'string' &&
    typeof task.status === 'string' &&
    STATUSES.has(task.status) &&
    (task.status !== 'succeeded' || isPrediction(task.result)) &&
    (task.status !== 'failed' || isError(task.error));
  if (!ok) {
    throw new VisionqApiError(ERROR_CODES.internal, `HTTP ${httpStatus} with a body that is not a task`, {
      status: httpStatus,
    });
  }
  return task as unknown as TaskState;
}

function isPrediction(value: unknown): boolean {
  const result = value as { label?: unknown; confidence?: unknown; top_k?: unknown } | undefined;
  return (
    typeof result?.label === 'string' && typeof result.confidence === 'number' && Array.isArray(result.top_k)
  );
}

function isError(value: unknown): boolean {
  const error = value as { code?: unknown; message?: unknown } | undefined;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** Checks a GET /model body as far as the client relies on it: the upload recommendation. */
export function modelDescription(body: unknown, httpStatus: number): ModelDescription {
  const model = body as { name?: unknown; upload?: Record<string, unknown> } | undefined;
  const upload = model?.upload;
  const positive = (value: unknown) => typeof value === 'number' && value >= 1;
  if (
    typeof model?.name !== 'string' ||
    !positive(upload?.short_side) ||
    !positive(upload?.max_side) ||
    !positive(upload?.quality)
  ) {
    throw new VisionqApiError(ERROR_CODES.internal, `HTTP ${httpStatus} with a body that is not a model`, {
      status: httpStatus,
    });
  }
  return model as unknown as ModelDescription;
}
