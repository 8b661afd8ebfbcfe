import { z } from 'zod';
import { bool } from './env.js';

/** Host names separated by commas, lower-cased; `*.example.com` allows every subdomain of example.com. */
const hostList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((one) => one.trim().toLowerCase())
      .filter((one) => one !== ''),
  )
  .refine(
    (list) =>
      list.every((one) =>
        /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(one),
      ),
    'must be host names separated by commas (a leading *. allows subdomains)',
  );

/**
 * Who may be told that a task ended, read alike by the API (which refuses targets it cannot serve) and the
 * workers (which send). Webhooks are on when `CALLBACK_HOSTS` names a host; FCM when `FCM_ENABLED`.
 */
export const notifyEnv = {
  // Webhook hosts allowed; empty: webhooks off.
  CALLBACK_HOSTS: hostList.optional(),
  // The Standard Webhooks signing secret: `whsec_` and the base64 of 24 to 64 random bytes.
  WEBHOOK_SECRET: z
    .string()
    .refine((value) => {
      const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value)?.[1];
      const bytes = key === undefined ? 0 : Buffer.from(key, 'base64').length;
      return bytes >= 24 && bytes <= 64;
    }, 'must be whsec_ and the base64 of 24 to 64 random bytes')
    .optional(),
  // For tests and local set-ups only: plain http callbacks, and hosts resolving to loopback or private ranges
  // (never link-local, where cloud metadata lives).
  CALLBACK_ALLOW_HTTP: bool.default(false),
  CALLBACK_ALLOW_PRIVATE: bool.default(false),
  // Device tokens are taken, and sent through Firebase Cloud Messaging with the project's credentials.
  FCM_ENABLED: bool.default(false),
};

export type NotifyEnv = z.infer<z.ZodObject<typeof notifyEnv>>;

/** Problems in a notification configuration that each variable alone cannot show, one line each. */
export function notifyProblems(values: NotifyEnv): string[] {
  return values.CALLBACK_HOSTS?.length && !values.WEBHOOK_SECRET
    ? ['WEBHOOK_SECRET: required when CALLBACK_HOSTS is set (webhooks are signed)']
    : [];
}

/**
 * Which callback URLs may be called, from the configuration, in the shape of `@visionq/notify-webhook`'s
 * `CallbackPolicy`: the API checks a URL against it when it is submitted, the worker's notifier again at every
 * connection. `CALLBACK_ALLOW_PRIVATE` (tests, local set-ups) lets loopback and private addresses through, never
 * link-local.
 */
export function callbackPolicy(config: NotifyEnv) {
  return {
    allowedHosts: config.CALLBACK_HOSTS ?? [],
    allowHttp: config.CALLBACK_ALLOW_HTTP,
    allowPrivateAddresses: config.CALLBACK_ALLOW_PRIVATE,
    allowedAddresses: config.CALLBACK_ALLOW_PRIVATE ? ['127.0.0.0/8', '::1/128'] : [],
  };
}
