import { z } from 'zod';
import { apiRegistry } from './http/schemas.js';
import { MAX_WAIT_SECONDS } from './http/wait.js';
import { EXAMPLES, MODEL_EXAMPLE, errorExample, type ErrorExample } from './openapi-examples.js';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const header = (id: string) => ({ $ref: `#/components/headers/${id}` });
/** Every response carries the request id (the caller's own X-Request-Id when valid, else a new UUID). */
const withRequestId = (headers: object = {}) => ({ 'X-Request-Id': header('XRequestId'), ...headers });

const json = (schema: object, description: string, examples: object, headers?: object) => ({
  description,
  headers: withRequestId(headers),
  content: { 'application/json': { schema, examples } },
});
const error = (description: string, examples: ErrorExample[], headers?: object) =>
  json(
    ref('Error'),
    description,
    Object.fromEntries(examples.map((example) => [example.code, errorExample(example)])),
    headers,
  );
const retryAfter = { 'Retry-After': header('RetryAfter') };

const unauthorized = error(
  'Missing, malformed, expired or revoked Firebase ID token',
  [{ code: 'unauthorized', message: 'unauthorized' }],
  { 'WWW-Authenticate': header('WWWAuthenticate') },
);
const internal = error('Unexpected server error (details only in the logs)', [
  { code: 'internal', message: 'internal error' },
]);
const badWait = {
  code: 'invalid_request',
  message: `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
};
const unavailable = error(
  'RabbitMQ or Redis unreachable; nothing was accepted or changed',
  [{ code: 'unavailable', message: 'service temporarily unavailable, retry later' }],
  retryAfter,
);
const minConfidenceParam = {
  name: 'min_confidence',
  in: 'query',
  required: false,
  description:
    "Confidence floor (0–1) for this image, instead of the model's minConfidence: a top guess under it comes " +
    'back recognized: false',
  schema: { type: 'number', minimum: 0, maximum: 1 },
  example: 0.5,
};
const ended = json(
  { oneOf: [ref('TaskSucceeded'), ref('TaskFailed')] },
  'The task ended: succeeded, or failed with a reason',
  { succeeded: EXAMPLES.succeeded, failed: EXAMPLES.failed, notified: EXAMPLES.notified },
);

const FCM_TOKEN_DESCRIPTION =
  'A Firebase Cloud Messaging registration token (`FirebaseMessaging.instance.getToken()`): when the task ends, ' +
  'that device gets a data message with `task_id`, `status` and `notification_id` (the same on a repeat: ' +
  'delivery is at least once), and for a task that succeeded `label`, `label_name` (its display name in the ' +
  'Accept-Language of this request), `confidence` and `recognized`; for one that failed, `error_code`. Only ' +
  'where the server sends through FCM (`FCM_ENABLED`), else a 400. Not with `callback_url`.';
const CALLBACK_URL_DESCRIPTION =
  "A URL to POST a signed webhook to when the task ends (see `webhooks`): https, a host on the server's " +
  '`CALLBACK_HOSTS`, never one that is or resolves to a loopback, link-local or private address. Checked now: ' +
  'a refused URL is a 422 `invalid_callback`, and nothing is queued. Not with `fcm_token`.';
const notifyParameters = [
  {
    name: 'X-Firebase-Messaging-Token',
    in: 'header',
    required: false,
    description: `${FCM_TOKEN_DESCRIPTION} The same as form field \`fcm_token\`, for raw uploads.`,
    schema: { type: 'string', maxLength: 4096 },
    example: 'fYc1kPq3Tmi8:APA91bHun4MxP5egoKMwt2KZFBaFUH',
  },
  {
    name: 'callback_url',
    in: 'query',
    required: false,
    description: `${CALLBACK_URL_DESCRIPTION} The same as form field \`callback_url\`, for raw uploads.`,
    schema: { type: 'string', format: 'uri', maxLength: 2048 },
    example: 'https://hooks.example.com/visionq',
  },
];

/**
 * The webhook `callback_url` receives: Standard Webhooks (https://www.standardwebhooks.com), signed with the
 * server's WEBHOOK_SECRET.
 */
const taskEndedWebhook = {
  post: {
    operationId: 'taskEnded',
    summary: 'A task ended (sent to its callback_url)',
    description:
      'Sent once the task ended, as the Standard Webhooks specification says: headers `webhook-id` (the same on ' +
      'every retry: drop the duplicates), `webhook-timestamp` (seconds since the epoch) and `webhook-signature` ' +
      "(`v1,` and a base64 HMAC-SHA256 of `id.timestamp.body` with the server's WEBHOOK_SECRET). Verify it with " +
      'the Standard Webhooks library for your language, with the raw body, e.g. in Node.js `new Webhook(secret)' +
      '.verify(rawBody, headers)` from the `standardwebhooks` package; it also refuses a timestamp more than five ' +
      'minutes away. Answer 2xx once it is taken: a 5xx, 408, 429 (its Retry-After honoured), a timeout or a ' +
      'connection error is retried with backoff and jitter for a bounded time; any other answer is final, a ' +
      'redirect included (it is never followed). Delivery is at least once.',
    security: [],
    parameters: [
      {
        name: 'webhook-id',
        in: 'header',
        required: true,
        description: 'Names this notification: the same on every retry',
        schema: { type: 'string' },
        example: 'msg_f34a3f8b-b556-40b6-a2e8-683cf17bb153',
      },
      {
        name: 'webhook-timestamp',
        in: 'header',
        required: true,
        description: 'When this attempt was signed, in seconds since the epoch',
        schema: { type: 'string', pattern: '^\\d+$' },
        example: '1796119502',
      },
      {
        name: 'webhook-signature',
        in: 'header',
        required: true,
        description: 'Space-separated signatures, each `v1,<base64 HMAC-SHA256>`',
        schema: { type: 'string' },
        example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
      },
    ],
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: ref('TaskEndedWebhook'), examples: { succeeded: EXAMPLES.webhook } },
      },
    },
    responses: {
      '200': { description: 'Taken (any 2xx will do); nothing is sent again' },
      '500': {
        description: 'Not taken now (any 5xx, 408 or 429, or no answer): sent again later, with the same id',
      },
    },
  },
};

const parameters = {
  wait: {
    name: 'wait',
    in: 'query',
    required: false,
    description: `Hold the request up to this many seconds (0–${MAX_WAIT_SECONDS}) for the result. Anything else is a 400.`,
    schema: { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 },
    example: 5,
  },
  taskId: {
    name: 'task_id',
    in: 'path',
    required: true,
    description: 'The id `POST /predict` answered with',
    schema: { type: 'string', format: 'uuid' },
    example: 'f34a3f8b-b556-40b6-a2e8-683cf17bb153',
  },
  acceptLanguage: {
    name: 'Accept-Language',
    in: 'header',
    required: false,
    description: 'Language of the `display` names in a result, among those the model has (else English)',
    schema: { type: 'string' },
    example: 'es',
  },
  requestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'Your own id for this request (1–64 letters, digits, `_` or `-`), echoed back and logged',
    schema: { type: 'string', pattern: '^[\\w-]{1,64}$' },
    example: 'checkout-42',
  },
};

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that the responses are built from (and that the
 * tests check every response against).
 */
export function openApiDocument(): object {
  const { schemas } = z.toJSONSchema(apiRegistry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'visionq',
      version: '1.0.0',
      description:
        'Asynchronous image classification. Submit a photo with a Firebase ID token, get a task id, fetch the ' +
        'result (or wait for it in the same request with `?wait`).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The server this document was fetched from' }],
    tags: [
      { name: 'classification', description: 'Submit photos and fetch their results' },
      {
        name: 'operations',
        description:
          'Health, readiness and this document (metrics are served on an internal port of their own)',
      },
    ],
    components: {
      schemas: {
        ...schemas,
        Health: {
          type: 'object',
          required: ['status'],
          properties: { status: { const: 'ok' } },
        },
        Readiness: {
          type: 'object',
          required: ['status', 'queue', 'store'],
          properties: {
            status: { enum: ['ready', 'not ready'] },
            queue: { enum: ['ok', 'unavailable'] },
            store: { enum: ['ok', 'unavailable'] },
          },
        },
      },
      headers: {
        XRequestId: {
          description: 'The request id: yours from `X-Request-Id` when valid, else a new UUID',
          schema: { type: 'string' },
          example: 'f34a3f8b-b556-40b6-a2e8-683cf17bb153',
        },
        RetryAfter: {
          description: 'Seconds to wait before trying again',
          schema: { type: 'integer', minimum: 1 },
          example: 5,
        },
        WWWAuthenticate: {
          description: 'The authentication scheme to use',
          schema: { type: 'string', const: 'Bearer' },
          example: 'Bearer',
        },
      },
      securitySchemes: {
        firebase: { type: 'http', scheme: 'bearer', bearerFormat: 'Firebase ID token (JWT)' },
      },
    },
    security: [{ firebase: [] }],
    webhooks: { taskEnded: taskEndedWebhook },
    paths: {
      '/predict': {
        post: {
          operationId: 'submitImage',
          tags: ['classification'],
          summary: 'Submit an image for classification',
          description:
            'Answers 202 with a task id as soon as the image is queued; with `?wait=N`, up to N seconds later ' +
            'with the result itself (200) if the task ends by then.',
          parameters: [
            parameters.wait,
            minConfidenceParam,
            parameters.acceptLanguage,
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description:
                'Retries with the same key (same uid, same image, within RESULT_TTL) return the same task; ' +
                'the same key with another image is a 422',
              schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
              example: 'upload-2f9c1e',
            },
            {
              name: 'X-Firebase-AppCheck',
              in: 'header',
              required: false,
              description:
                'A Firebase App Check token: checked when sent with APP_CHECK=optional, required with APP_CHECK=required',
              schema: { type: 'string' },
              example: 'eyJraWQiOiJhcHAtY2hlY2sifQ.e30.c2lnbmF0dXJl',
            },
            ...notifyParameters,
            parameters.requestId,
          ],
          requestBody: {
            required: true,
            description:
              'The photo: a multipart form with one file in the `image` field, or the raw bytes with their ' +
              'type. The type is decided by the bytes, not by the declared one. To be told when the task ends, ' +
              'a form may also carry `fcm_token` or `callback_url` (a raw upload: the header or query parameter).',
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['image'],
                  properties: {
                    image: { type: 'string', contentMediaType: 'application/octet-stream' },
                    fcm_token: { type: 'string', maxLength: 4096, description: FCM_TOKEN_DESCRIPTION },
                    callback_url: {
                      type: 'string',
                      format: 'uri',
                      maxLength: 2048,
                      description: CALLBACK_URL_DESCRIPTION,
                    },
                  },
                },
                encoding: {
                  image: {
                    contentType: 'image/jpeg, image/png, image/webp, image/gif, image/avif, image/tiff',
                  },
                },
              },
              'image/*': { schema: { type: 'string', contentMediaType: 'image/*' } },
            },
          },
          responses: {
            '200': ended,
            '202': json(
              ref('TaskPending'),
              'Accepted and queued',
              { queued: EXAMPLES.queued },
              {
                Location: {
                  description: 'Where the result will be: `/result/{task_id}`',
                  schema: { type: 'string' },
                  example: '/result/f34a3f8b-b556-40b6-a2e8-683cf17bb153',
                },
              },
            ),
            '400': error(
              'No file, wrong field, more than one file, or a bad `wait`, `min_confidence` or ' +
                '`Idempotency-Key`; a device token where FCM is off, or both a token and a callback URL',
              [{ code: 'invalid_request', message: 'no file in form field "image"' }, badWait],
            ),
            '401': unauthorized,
            '413': error('Larger than the upload limit', [
              { code: 'too_large', message: 'the image is larger than 10485760 bytes' },
            ]),
            '415': error('Not a JPEG, PNG, WebP, GIF, AVIF or TIFF image (by its bytes)', [
              { code: 'unsupported_type', message: 'not a JPEG, PNG, WebP, GIF, AVIF or TIFF image' },
            ]),
            '422': error(
              'Unreadable image header, too many pixels, an Idempotency-Key reused for another request, or a ' +
                '`callback_url` refused (not https, host not on CALLBACK_HOSTS, webhooks off, an address that is ' +
                'loopback, link-local or private)',
              [
                {
                  code: 'invalid_callback',
                  message: 'the callback URL names an address that is not allowed',
                },
                {
                  code: 'invalid_image',
                  message: 'image is 10000×5000 (50 megapixels), over the limit of 40 megapixels',
                },
                { code: 'conflict', message: 'this Idempotency-Key was already used for another image' },
              ],
            ),
            '429': error(
              'Over the per-user upload rate limit (RATE_LIMIT_PER_MIN). An image that costs more to decode ' +
                'than a phone photo counts as several uploads once its header is read: a 16-megapixel AVIF as 27, ' +
                'a progressive 12-megapixel JPEG as 4; a shrunk upload always as 1',
              [
                { code: 'rate_limited', message: 'too many requests' },
                {
                  code: 'rate_limited',
                  message:
                    'this image costs as much to decode as 27 photos, more than your uploads left this minute; ' +
                    'send it smaller, or as a JPEG',
                },
              ],
              retryAfter,
            ),
            '500': internal,
            '503': error(
              'Queue full (MAX_QUEUED_TASKS; Retry-After from how fast it drains), uploads in flight over their ' +
                'memory budget, or queue or store unreachable; nothing was accepted',
              [
                { code: 'queue_full', message: 'the queue is full, retry later' },
                { code: 'unavailable', message: 'service temporarily unavailable, retry later' },
              ],
              retryAfter,
            ),
          },
        },
      },
      '/result/{task_id}': {
        get: {
          operationId: 'getResult',
          tags: ['classification'],
          summary: 'Fetch the result of a task (only its submitter can)',
          parameters: [parameters.taskId, parameters.wait, parameters.acceptLanguage, parameters.requestId],
          responses: {
            '200': ended,
            '202': json(
              ref('TaskPending'),
              'Still queued or processing',
              { processing: EXAMPLES.processing },
              retryAfter,
            ),
            '400': error('A bad `wait`', [badWait]),
            '401': unauthorized,
            '404': error('Unknown, expired, or not yours: all the same answer', [
              { code: 'not_found', message: 'task not found' },
            ]),
            '500': internal,
            '503': unavailable,
          },
        },
        delete: {
          operationId: 'cancelTask',
          tags: ['classification'],
          summary:
            'Take a task back: one not yet classified never is, one in progress is dropped, an ended one’s result is deleted at once',
          parameters: [parameters.taskId, parameters.requestId],
          responses: {
            '204': { description: 'Taken back; a GET afterwards is 404', headers: withRequestId() },
            '401': unauthorized,
            '404': error('Unknown, expired, already taken back, or not yours (the same 404 as GET)', [
              { code: 'not_found', message: 'task not found' },
            ]),
            '500': internal,
            '503': unavailable,
          },
        },
      },
      '/model': {
        get: {
          operationId: 'getModel',
          tags: ['classification'],
          summary: 'The served model, and the upload that loses nothing for it',
          description:
            'Name, version, labels with their display names, the none label and confidence floor, what the model ' +
            'sees of a photo, and the upload to send: clients shrink a photo to `upload` before `POST /predict` ' +
            '(a phone photo of several MB becomes a JPEG of about 100 kB). Public, so that a page can read it ' +
            'before anyone signs in; cacheable (`Cache-Control`, a strong `ETag`: `If-None-Match` answers 304).',
          security: [],
          parameters: [parameters.requestId],
          responses: {
            '200': json(
              ref('Model'),
              'The model',
              { model: MODEL_EXAMPLE },
              {
                ETag: { description: 'Changes when the model does', schema: { type: 'string' } },
                'Cache-Control': { description: 'public, max-age=300', schema: { type: 'string' } },
              },
            ),
            '304': {
              description: 'Unchanged since the ETag sent in If-None-Match',
              headers: withRequestId(),
            },
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'getHealth',
          tags: ['operations'],
          summary: 'Liveness: the process answers',
          security: [],
          responses: { '200': json(ref('Health'), 'Alive', { alive: { value: { status: 'ok' } } }) },
        },
      },
      '/readyz': {
        get: {
          operationId: 'getReadiness',
          tags: ['operations'],
          summary: 'Readiness: queue and store reachable',
          security: [],
          responses: {
            '200': json(ref('Readiness'), 'Ready', {
              ready: { value: { status: 'ready', queue: 'ok', store: 'ok' } },
            }),
            '503': json(ref('Readiness'), 'Not ready', {
              store: { value: { status: 'not ready', queue: 'ok', store: 'unavailable' } },
            }),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          tags: ['operations'],
          summary: 'This document',
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document',
              headers: withRequestId(),
              content: {
                'application/json': {
                  schema: { type: 'object' },
                  example: { openapi: '3.1.0', info: { title: 'visionq', version: '1.0.0' } },
                },
              },
            },
          },
        },
      },
    },
  };
}
