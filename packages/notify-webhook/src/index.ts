export { WebhookNotifier, type WebhookNotifierOptions, type WebhookRetryOptions } from './notifier.js';
export {
  checkCallbackUrl,
  CheckedPolicy,
  type CallbackPolicy,
  type ResolvedAddress,
  type Resolver,
} from './policy.js';
export { TASK_ENDED } from './body.js';
export type { WebhookEvent, WebhookEvents, WebhookOutcomeEvent } from './events.js';
