import type { Request } from 'express';
import { InvalidCallbackError, InvalidRequestError, type NotifyTarget } from '@visionq/core';

/** Where `POST /predict` takes a device registration token: a form field, or a header (raw uploads). */
export const FCM_TOKEN_FIELD = 'fcm_token';
export const FCM_TOKEN_HEADER = 'X-Firebase-Messaging-Token';
/** Where it takes a webhook URL: a form field, or a query parameter (raw uploads). */
export const CALLBACK_URL_FIELD = 'callback_url';

/** What the API offers to tell a client when a task ends. */
export interface NotifyOptions {
  /** Device tokens are taken (the workers send through Firebase Cloud Messaging). */
  fcm: boolean;
  /**
   * Checks a `callback_url` before anything is queued; rejects with `InvalidCallbackError` (422) when it is
   * refused. Absent: webhooks are off, and every callback URL is refused.
   */
  checkCallback?: (url: string) => Promise<unknown>;
}

// FCM registration tokens are printable ASCII (base64url and `:`); the schema's bound is 4 KiB.
const FCM_TOKEN = /^[\x21-\x7e]{1,4096}$/;

/**
 * The request's notification target, checked: a device token only where FCM is on, a callback URL only where
 * the callback policy allows it (422 otherwise, before anything is queued).
 */
export async function checkedTarget(req: Request, options: NotifyOptions): Promise<NotifyTarget | undefined> {
  const target = requestedTarget(req, options);
  if (target?.channel !== 'webhook') return target;
  if (!options.checkCallback)
    throw new InvalidCallbackError(
      'webhooks_off',
      'webhooks are off on this server: no callback_url is taken',
    );
  await options.checkCallback(target.url);
  return target;
}

/**
 * The request's notification target, if it asked for one. The same value given in both of its places is
 * taken once; two different values, or a token and a URL together, are a 400: a task has one target.
 * The values are never put in an error message or a log line.
 */
export function requestedTarget(req: Request, options: NotifyOptions): NotifyTarget | undefined {
  const token = oneValue(
    [formField(req, FCM_TOKEN_FIELD), req.get(FCM_TOKEN_HEADER)],
    `${FCM_TOKEN_FIELD} and ${FCM_TOKEN_HEADER}`,
  );
  const url = oneValue(
    [formField(req, CALLBACK_URL_FIELD), queryValue(req, CALLBACK_URL_FIELD)],
    `the ${CALLBACK_URL_FIELD} form field and query parameter`,
  );
  if (token !== undefined && url !== undefined)
    throw new InvalidRequestError(
      `send ${FCM_TOKEN_FIELD} or ${CALLBACK_URL_FIELD}, not both: a task notifies one target`,
    );
  if (token !== undefined) {
    if (!options.fcm)
      throw new InvalidRequestError('push notifications (Firebase Cloud Messaging) are off on this server');
    if (!FCM_TOKEN.test(token))
      throw new InvalidRequestError(`${FCM_TOKEN_FIELD} must be 1–4096 visible ASCII characters`);
    return { channel: 'fcm', token };
  }
  return url === undefined ? undefined : { channel: 'webhook', url };
}

/** The request's preferred language (`Accept-Language`'s first tag), when it names one. */
export function requestLanguage(req: Request): string | undefined {
  const [first] = req.acceptsLanguages();
  return first && first !== '*' && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(first) && first.length <= 35
    ? first
    : undefined;
}

function oneValue(values: (string | undefined)[], where: string): string | undefined {
  const given = [...new Set(values.filter((value): value is string => value !== undefined))];
  if (given.length > 1) throw new InvalidRequestError(`${where} differ: send one`);
  if (given[0] === '') throw new InvalidRequestError(`${where}: empty`);
  return given[0];
}

/** A multipart text field, as multer leaves it in `req.body` (absent for a raw upload). */
function formField(req: Request, name: string): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidRequestError(`send form field ${name} once`);
}

function queryValue(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidRequestError(`send query parameter ${name} once`);
}
