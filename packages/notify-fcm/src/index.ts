export { FcmNotifier } from './fcm-notifier.js';
export type { FcmNotifierOptions, FcmRetryOptions } from './options.js';
export type { FcmEventBase, FcmFailureReason, FcmNotifierEvents } from './events.js';
export { dataOf, displayName } from './message.js';
