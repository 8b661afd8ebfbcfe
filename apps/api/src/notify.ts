import { CheckedPolicy, checkCallbackUrl } from '@visionq/notify-webhook';
import { callbackPolicy, type NotifyEnv } from '@visionq/service-kit';
import type { NotifyOptions } from './http/notify-target.js';

/**
 * What the API accepts as a task's notification target, from the same variables and the same policy the workers
 * send by: device tokens where FCM is on, callback URLs the webhook policy allows (none when `CALLBACK_HOSTS` is
 * empty, so that every URL is refused as "webhooks are off").
 */
export function notifyOptions(config: NotifyEnv): NotifyOptions {
  const policy = new CheckedPolicy(callbackPolicy(config));
  return {
    fcm: config.FCM_ENABLED,
    ...(policy.webhooksOff ? {} : { checkCallback: (url: string) => checkCallbackUrl(url, policy) }),
  };
}
