import {
  InvalidMessageError,
  TASK_MESSAGE_SCHEMA_VERSION,
  TaskMessageSchema,
  type DeliveredTask,
  type TaskMessage,
} from '@visionq/core';
import type { Message, MessageProperties, Options } from 'amqplib';
import type { DeadLetterReason } from './events.js';

/**
 * How task metadata travels in AMQP properties and headers. The image is the raw body. `timestamp` is also
 * kept in the standard property, in seconds as AMQP defines it; the header keeps the exact milliseconds.
 */
export const TASK_HEADERS = {
  owner: 'visionq-owner',
  schemaVersion: 'visionq-schema-version',
  timestampMs: 'visionq-timestamp-ms',
  minConfidence: 'visionq-min-confidence',
  /** The notify target's channel (`fcm`, `webhook`) and its address (the device token or the URL). */
  notifyChannel: 'visionq-notify-channel',
  notifyAddress: 'visionq-notify-address',
  language: 'visionq-language',
  decodeUnits: 'visionq-decode-units',
} as const;

/**
 * Publish properties for a task's metadata. Takes metadata as it is, unvalidated (tests publish poison with
 * it); `publish` validates before calling this.
 */
export function publishProperties(message: Partial<Record<keyof TaskMessage, unknown>>): Options.Publish {
  const headers: Record<string, unknown> = {};
  const set = (header: string, value: unknown) => {
    if (value !== undefined) headers[header] = value;
  };
  set(TASK_HEADERS.owner, message.owner);
  set(TASK_HEADERS.schemaVersion, message.schemaVersion);
  set(TASK_HEADERS.timestampMs, message.timestamp);
  set(TASK_HEADERS.minConfidence, message.minConfidence);
  set(TASK_HEADERS.language, message.language);
  set(TASK_HEADERS.decodeUnits, message.decodeUnits);
  const notify = message.notify as Record<string, unknown> | undefined;
  if (notify && typeof notify === 'object') {
    set(TASK_HEADERS.notifyChannel, notify.channel);
    set(TASK_HEADERS.notifyAddress, notify.channel === 'fcm' ? notify.token : notify.url);
  }
  return {
    persistent: true,
    mandatory: true,
    headers,
    ...(typeof message.taskId === 'string' && { messageId: message.taskId }),
    ...(typeof message.contentType === 'string' && { contentType: message.contentType }),
    ...(typeof message.timestamp === 'number' && { timestamp: Math.floor(message.timestamp / 1000) }),
  };
}

/** The metadata a message carries, as it came (unvalidated): what dead-letter tooling shows. */
export function messageMetadata(properties: MessageProperties): Record<string, unknown> {
  const headers: Record<string, unknown> = properties.headers ?? {};
  const metadata: Record<string, unknown> = {
    taskId: properties.messageId,
    owner: headers[TASK_HEADERS.owner],
    contentType: properties.contentType,
    timestamp: headers[TASK_HEADERS.timestampMs],
    schemaVersion: headers[TASK_HEADERS.schemaVersion],
    minConfidence: headers[TASK_HEADERS.minConfidence],
    language: headers[TASK_HEADERS.language],
    decodeUnits: headers[TASK_HEADERS.decodeUnits],
    notify: notifyTarget(headers),
  };
  for (const key of Object.keys(metadata)) if (metadata[key] === undefined) delete metadata[key];
  return metadata;
}

/** The notify target as two headers carry it, unvalidated; undefined when the message names none. */
function notifyTarget(headers: Record<string, unknown>): Record<string, unknown> | undefined {
  const channel = headers[TASK_HEADERS.notifyChannel];
  const address = headers[TASK_HEADERS.notifyAddress];
  if (channel === undefined && address === undefined) return undefined;
  return channel === 'fcm' ? { channel, token: address } : { channel, url: address };
}

export type Decoded =
  | { ok: true; task: DeliveredTask }
  | { ok: false; error: InvalidMessageError; reason: Exclude<DeadLetterReason, 'permanent_error'> };

/** Validates a delivery with the core schema. Never throws: a poison message is a value, to dead-letter. */
export function decodeDelivery(message: Message): Decoded {
  const metadata = messageMetadata(message.properties);
  // Checked first: a message of another version may differ in any field, and its version is what to fix.
  const version = metadata.schemaVersion;
  if (version !== undefined && version !== TASK_MESSAGE_SCHEMA_VERSION)
    return {
      ok: false,
      reason: 'schema_version',
      error: new InvalidMessageError(
        // Only a number is quoted: a header of another type could be anything, of any length.
        `task schema version ${typeof version === 'number' ? version : `of type ${typeof version}`} is not ${TASK_MESSAGE_SCHEMA_VERSION}`,
      ),
    };
  const parsed = TaskMessageSchema.safeParse(metadata);
  if (!parsed.success)
    return {
      ok: false,
      reason: 'schema',
      error: new InvalidMessageError('task metadata fails the schema', { cause: parsed.error }),
    };
  if (message.content.length === 0)
    return { ok: false, reason: 'empty_body', error: new InvalidMessageError('task has no image bytes') };
  // RabbitMQ counts returns in x-delivery-count, absent on the first delivery.
  const returns = message.properties.headers?.['x-delivery-count'];
  const deliveryCount = (typeof returns === 'number' && Number.isSafeInteger(returns) ? returns : 0) + 1;
  return { ok: true, task: { message: parsed.data, image: message.content, deliveryCount } };
}
