/** Which notification an event is about, and which attempt (1 for the first). Never the URL. */
export interface WebhookEvent {
  notificationId: string;
  taskId: string;
  attempt: number;
}

/** An attempt's answer: `reason` is `http_<status>`, `timeout`, `network`, `tls`, or why the policy refused the URL. */
export interface WebhookOutcomeEvent extends WebhookEvent {
  reason: string;
  status?: number;
}

/** Observers of a `WebhookNotifier`, for metrics and logs. An observer that throws is ignored. */
export interface WebhookEvents {
  /** An attempt is about to be sent. */
  attempt?(event: WebhookEvent): void;
  /** An attempt failed transiently; another follows after a backoff (and the receiver's `Retry-After`). */
  retry?(event: WebhookOutcomeEvent): void;
  /** The receiver took it (a 2xx). */
  delivered?(event: WebhookEvent & { status: number }): void;
  /** Given up: refused for good, or the retry time ran out. */
  failed?(event: WebhookOutcomeEvent): void;
}

type Payloads = {
  [K in keyof WebhookEvents]-?: Parameters<NonNullable<WebhookEvents[K]>>[0];
};

export function emit<K extends keyof WebhookEvents>(
  events: WebhookEvents,
  name: K,
  event: Payloads[K],
): void {
  try {
    (events[name] as ((event: Payloads[K]) => void) | undefined)?.(event);
  } catch {
    // Metrics must never change what becomes of a notification.
  }
}
