import type { CallbackPolicy } from '@visionq/notify-webhook';
import type { NotifyEnv } from './notify-env.js';

/**
 * Which callback URLs may be called, from the configuration: the API checks a URL against it when it is
 * submitted, the workers' notifier again at every connection, so both must read it alike. `CALLBACK_ALLOW_PRIVATE`
 * (tests, local set-ups) lets loopback and private addresses through, never link-local.
 */
export function callbackPolicy(
  config: Pick<NotifyEnv, 'CALLBACK_HOSTS' | 'CALLBACK_ALLOW_HTTP' | 'CALLBACK_ALLOW_PRIVATE'>,
): CallbackPolicy {
  return {
    allowedHosts: config.CALLBACK_HOSTS ?? [],
    allowHttp: config.CALLBACK_ALLOW_HTTP,
    allowPrivateAddresses: config.CALLBACK_ALLOW_PRIVATE,
    ...(config.CALLBACK_ALLOW_PRIVATE && { allowedAddresses: ['127.0.0.0/8', '::1/128'] }),
  };
}
