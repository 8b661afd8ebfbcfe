import type { Notification } from '@visionq/core';
import type { TokenMessage } from 'firebase-admin/messaging';

const FALLBACK_LANGUAGE = 'en';

/**
 * The FCM message for one ended task: data only (every value a string), so that the app decides what to show,
 * in the foreground and in the background. Android: high priority, delivered at once even in Doze. iOS: a
 * background message (`content-available`, priority 5, push type `background`), as Apple requires for a push
 * that shows nothing (see the README). Both drop it once `ttlMs` has passed since `now` (the result is gone).
 */
export function toMessage(
  notification: Notification,
  token: string,
  ttlMs: number,
  now: number,
): TokenMessage {
  return {
    token,
    data: dataOf(notification),
    android: { priority: 'high', ttl: ttlMs },
    apns: {
      headers: {
        'apns-priority': '5',
        'apns-push-type': 'background',
        'apns-expiration': String(Math.floor((now + ttlMs) / 1000)),
      },
      payload: { aps: { contentAvailable: true } },
    },
  };
}

export function dataOf({ id, record, language }: Notification): Record<string, string> {
  const common = { notification_id: id, task_id: record.task_id, status: record.status };
  if (record.status === 'failed') return { ...common, error_code: record.error.code };
  if (record.status !== 'succeeded') return common;
  const { label, names, confidence, recognized } = record.result;
  return {
    ...common,
    label,
    label_name: displayName(label, names, language),
    confidence: String(confidence),
    recognized: String(recognized),
  };
}

/** The name in `language` (its exact tag, else its primary language: `es-MX` → `es`), else English, else the id. */
export function displayName(
  label: string,
  names: Readonly<Record<string, string>> | undefined,
  language?: string,
) {
  if (!names) return label;
  const wanted = language?.toLowerCase();
  const tags = Object.keys(names);
  const pick = (tag: string | undefined) => tags.find((candidate) => candidate.toLowerCase() === tag);
  const tag = pick(wanted) ?? pick(wanted?.split('-')[0]) ?? pick(FALLBACK_LANGUAGE);
  return tag === undefined ? label : (names[tag] ?? label);
}
