import type { Messaging } from 'firebase-admin/messaging';

interface MessagingInternals {
  messagingRequestHandler?: { httpClient?: { retry?: unknown } };
}

/**
 * firebase-admin's HTTP client retries by itself, unseen: a 503, ECONNRESET or ETIMEDOUT up to four more times,
 * waiting up to 60 s when FCM sends `Retry-After`, each request allowed 15 s. That would hide attempts from our
 * count and our events, send again after we gave up on an attempt, and stretch one `send` past our retry
 * time. Its retry setting is not public: this turns it off on the app's `Messaging` (which firebase-admin keeps
 * one of per app), so that every `send` is one request and our backoff is the only one. Returns false when
 * the setting is not where firebase-admin 13 keeps it; the time bound still holds then, as every attempt is
 * raced against its timer, and the package's tests count the requests per attempt, so an upgrade that moves it
 * is caught.
 */
export function turnOffAdminRetries(messaging: Messaging): boolean {
  const client = (messaging as unknown as MessagingInternals).messagingRequestHandler?.httpClient;
  if (!client || !('retry' in client)) return false;
  client.retry = null;
  return true;
}
