import { CheckedPolicy, checkCallbackUrl } from '@visionq/notify-webhook';
import type { NotifyOptions } from './http/notify-target.js';
import type { Config } from './config.js';

type NotifyConfig = Pick<
  Config,
  'FCM_ENABLED' | 'CALLBACK_HOSTS' | 'CALLBACK_ALLOW_HTTP' | 'CALLBACK_ALLOW_PRIVATE'
>;

/**
 * What the API accepts as a task's notification target, from the same variables the workers send by: device
 * tokens where FCM is on, callback URLs through the webhook policy (none when `CALLBACK_HOSTS` is empty, so that
 * every URL is refused as "webhooks are off").
 */
export function notifyOptions(config: NotifyConfig): NotifyOptions {
  const policy = new CheckedPolicy({
    allowedHosts: config.CALLBACK_HOSTS ?? [],
    allowHttp: config.CALLBACK_ALLOW_HTTP,
    allowPrivateAddresses: config.CALLBACK_ALLOW_PRIVATE,
  });
  return {
    fcm: config.FCM_ENABLED,
    ...(policy.webhooksOff ? {} : { checkCallback: (url: string) => checkCallbackUrl(url, policy) }),
  };
}
