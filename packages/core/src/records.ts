import { CorruptRecordError, InvalidRequestError } from './errors.js';
import type { OutboxEntry } from './ports.js';
import {
  isTerminal,
  NotificationStatusSchema,
  OutboxEntrySchema,
  PendingRecordSchema,
  ResultRecordSchema,
  TaskOutcomeSchema,
  type NotificationStatus,
  type PendingRecord,
  type ResultRecord,
  type TaskOutcome,
  type TerminalRecord,
} from './schemas.js';

/**
 * Serialising and parsing of result records, shared by every `ResultStore` so that they accept and reject
 * exactly the same things.
 */

/** Validates a record about to be written and serialises it. Throws `InvalidRequestError` if it is invalid. */
export function encodeRecord(record: ResultRecord): string {
  const parsed = ResultRecordSchema.safeParse(record);
  if (!parsed.success)
    throw new InvalidRequestError(`invalid record: ${parsed.error.message}`, { cause: parsed.error });
  return JSON.stringify(parsed.data);
}

/** Parses a stored record. Throws `CorruptRecordError` if it is not JSON or fails the schema. */
export function decodeRecord(taskId: string, text: string): ResultRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new CorruptRecordError(`record ${taskId} is not JSON`, { cause });
  }
  const parsed = ResultRecordSchema.safeParse(json);
  if (!parsed.success)
    throw new CorruptRecordError(`record ${taskId} fails the schema`, { cause: parsed.error });
  if (parsed.data.task_id !== taskId) throw new CorruptRecordError(`record ${taskId} names another task`);
  return parsed.data;
}

/** Parses a stored outbox entry; undefined when it is not JSON or fails the schema (nobody could send it). */
export function decodeOutboxEntry(text: string | undefined): OutboxEntry | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = OutboxEntrySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Validates a new pending record. Throws `InvalidRequestError` if it is invalid. */
export function validatePendingRecord(record: PendingRecord): PendingRecord {
  const parsed = PendingRecordSchema.safeParse(record);
  if (!parsed.success)
    throw new InvalidRequestError(`invalid record: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
}

/** The terminal record that `outcome` makes of `current` (which may be missing: expired or never written). */
export function terminalRecord(
  taskId: string,
  owner: string,
  current: ResultRecord | undefined,
  outcome: TaskOutcome,
  now: Date = new Date(),
): ResultRecord {
  const valid = TaskOutcomeSchema.safeParse(outcome);
  if (!valid.success)
    throw new InvalidRequestError(`invalid outcome: ${valid.error.message}`, { cause: valid.error });
  const at = now.toISOString();
  const record = ResultRecordSchema.safeParse({
    task_id: taskId,
    owner: current?.owner ?? owner,
    created_at: current?.created_at ?? at,
    updated_at: at,
    completed_at: at,
    ...valid.data,
  });
  if (!record.success) {
    throw new InvalidRequestError(`invalid task id or owner: ${record.error.message}`, {
      cause: record.error,
    });
  }
  return record.data;
}

/**
 * `current` with `status` as its notification, or undefined when there is nothing to write (no record, or one
 * that has not ended). Throws `InvalidRequestError` for a status that fails the schema.
 */
export function notifiedRecord(
  current: ResultRecord | undefined,
  status: NotificationStatus,
): ResultRecord | undefined {
  const valid = NotificationStatusSchema.safeParse(status);
  if (!valid.success)
    throw new InvalidRequestError(`invalid notification status: ${valid.error.message}`, {
      cause: valid.error,
    });
  if (!current || !isTerminal(current.status)) return undefined;
  return { ...(current as TerminalRecord), notification: valid.data };
}

/** The `cancelled` record that ends `current`, a pending record. */
export function cancelledRecord(current: ResultRecord, now: Date = new Date()): ResultRecord {
  const at = now.toISOString();
  const { task_id, owner, created_at } = current;
  return { task_id, owner, created_at, status: 'cancelled', updated_at: at, completed_at: at };
}
