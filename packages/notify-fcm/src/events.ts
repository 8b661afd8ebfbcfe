/**
 * Why an attempt failed, for metrics labels and logs. The first five are FCM refusing the message for good
 * (never retried; the token is dropped), the rest are worth another attempt.
 */
export type FcmFailureReason =
  /** The app was uninstalled, or the token expired or was replaced (404 UNREGISTERED). */
  | 'unregistered'
  /** Not a registration token FCM knows the format of. */
  | 'invalid_token'
  /** FCM refused the message as malformed (400 INVALID_ARGUMENT): often a token of the wrong format too. */
  | 'invalid_argument'
  /** The token belongs to another Firebase project (403 SENDER_ID_MISMATCH). */
  | 'sender_mismatch'
  /** The credential or the APNs certificate was refused (401, 403 THIRD_PARTY_AUTH_ERROR). */
  | 'unauthenticated'
  /** Any other 4xx. */
  | 'refused'
  /** 429: the project's or the device's quota (QUOTA_EXCEEDED). */
  | 'quota'
  /** 503 UNAVAILABLE. */
  | 'unavailable'
  /** 500 INTERNAL. */
  | 'internal'
  /** The connection failed or was reset. */
  | 'network'
  /** No answer within the attempt's time (or the retry time ran out during one). */
  | 'timeout'
  /** No OAuth2 access token could be had for the app's credential. */
  | 'credential'
  /** Anything else: a 5xx of another kind, an answer that is not FCM's. */
  | 'unknown';

/** What every event names: the notification and its task, never the device token. */
export interface FcmEventBase {
  notificationId: string;
  taskId: string;
}

export interface FcmNotifierEvents {
  /** FCM took the message, after `attempts` attempts. */
  sent?(event: FcmEventBase & { attempts: number; elapsedMs: number }): void;
  /** Attempt `attempt` is about to be made, the previous one having failed for `reason`. */
  retried?(event: FcmEventBase & { attempt: number; reason: FcmFailureReason }): void;
  /** Given up on: refused for good (`permanent`), or the retry time ran out. */
  failed?(event: FcmEventBase & { attempts: number; reason: FcmFailureReason; permanent: boolean }): void;
  /** FCM refused the token for good: the app should count it and forget the token (it is not in the event). */
  tokenDropped?(event: FcmEventBase & { reason: FcmFailureReason }): void;
}

/** Calls an observer; one that throws must not decide a delivery, so its exception goes no further. */
export function emit<K extends keyof FcmNotifierEvents>(
  events: FcmNotifierEvents | undefined,
  name: K,
  event: Parameters<NonNullable<FcmNotifierEvents[K]>>[0],
): void {
  try {
    (events?.[name] as ((e: typeof event) => void) | undefined)?.(event);
  } catch {
    // An observer's own failure is its business (see the README).
  }
}
