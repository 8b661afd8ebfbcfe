import { randomUUID } from 'node:crypto';
import {
  TASK_MESSAGE_SCHEMA_VERSION,
  newQueuedRecord,
  type PendingRecord,
  type TaskMessage,
  type TaskOutcome,
} from '../schemas.js';

/** A tiny but real 1×1 PNG, so image bytes in contract tests are plausible. */
export const ONE_PIXEL_PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  ),
);

export function taskMessage(overrides: Partial<TaskMessage> = {}): TaskMessage {
  return {
    taskId: randomUUID(),
    owner: 'alice',
    contentType: 'image/png',
    timestamp: Date.now(),
    schemaVersion: TASK_MESSAGE_SCHEMA_VERSION,
    ...overrides,
  };
}

/** Image bytes that identify message `n`, for checking that bodies arrive intact and in order. */
export function numberedImage(n: number): Uint8Array {
  const image = new Uint8Array(ONE_PIXEL_PNG.length + 4);
  image.set(ONE_PIXEL_PNG);
  new DataView(image.buffer).setUint32(ONE_PIXEL_PNG.length, n);
  return image;
}

export function imageNumber(image: Uint8Array): number {
  return new DataView(image.buffer, image.byteOffset, image.byteLength).getUint32(image.byteLength - 4);
}

export function pendingRecord(owner = 'alice'): PendingRecord {
  return newQueuedRecord(randomUUID(), owner);
}

export function succeeded(label = 'stop', confidence = 0.9): TaskOutcome {
  return {
    status: 'succeeded',
    result: { label, confidence, recognized: true, top_k: [{ label, confidence }] },
    model: { name: 'contract', version: '1' },
  };
}

export function failed(code = 'invalid_image'): TaskOutcome {
  return { status: 'failed', error: { code, message: 'image could not be decoded' } };
}
