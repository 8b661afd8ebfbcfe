import type { FcmFailureReason } from './events.js';

export interface Classified {
  reason: FcmFailureReason;
  /** FCM refused the message for good: retrying cannot help, and the token is dropped. */
  permanent: boolean;
}

// firebase-admin's codes for FCM's answers (it maps the v1 API's errors onto these).
const PERMANENT: Readonly<Record<string, FcmFailureReason>> = {
  'messaging/registration-token-not-registered': 'unregistered',
  'messaging/invalid-registration-token': 'invalid_token',
  'messaging/invalid-argument': 'invalid_argument',
  'messaging/invalid-recipient': 'invalid_argument',
  'messaging/invalid-payload': 'invalid_argument',
  'messaging/invalid-data-payload-key': 'invalid_argument',
  'messaging/payload-size-limit-exceeded': 'invalid_argument',
  'messaging/invalid-options': 'invalid_argument',
  'messaging/invalid-package-name': 'invalid_argument',
  'messaging/mismatched-credential': 'sender_mismatch',
  'messaging/authentication-error': 'unauthenticated',
  'messaging/third-party-auth-error': 'unauthenticated',
};

const TRANSIENT: Readonly<Record<string, FcmFailureReason>> = {
  'messaging/message-rate-exceeded': 'quota',
  'messaging/device-message-rate-exceeded': 'quota',
  'messaging/topics-message-rate-exceeded': 'quota',
  'messaging/server-unavailable': 'unavailable',
  'messaging/internal-error': 'internal',
  'app/network-error': 'network',
  'app/network-timeout': 'timeout',
  // The OAuth2 token endpoint failed or refused the credential: nothing to do with the device's token.
  'app/invalid-credential': 'credential',
};

/** Decides whether one failed attempt is worth another, and names why it failed. */
export function classify(error: unknown): Classified {
  if (error instanceof Error && error.name === 'TimeoutError') return { reason: 'timeout', permanent: false };
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return { reason: 'unknown', permanent: false };
  const permanent = PERMANENT[code];
  if (permanent) return { reason: permanent, permanent: true };
  const transient = TRANSIENT[code];
  if (transient) return { reason: transient, permanent: false };
  // firebase-admin names only some statuses; for the rest (an unknown FCM error code, or an answer that is
  // not JSON, say from a proxy) the status survives only in its message.
  const status = statusIn(typeof message === 'string' ? message : '');
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return { reason: 'refused', permanent: true };
  }
  if (status === 429) return { reason: 'quota', permanent: false };
  return { reason: 'unknown', permanent: false };
}

function statusIn(message: string): number | undefined {
  const match = /Status code: (\d{3})\b/.exec(message) ?? /"code":\s*(\d{3})\b/.exec(message);
  return match ? Number(match[1]) : undefined;
}
