import { z } from 'zod';
import { apiRegistry } from './http/schemas.js';
import { MAX_WAIT_SECONDS } from './http/wait.js';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: object, description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});
const error = (description: string, headers?: object) => json(ref('Error'), description, headers);
const retryAfter = {
  'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait before retrying' },
};
const unauthorized = error('Missing or invalid Firebase ID token', {
  'WWW-Authenticate': { schema: { type: 'string', example: 'Bearer' } },
});
const waitParam = {
  name: 'wait',
  in: 'query',
  required: false,
  description: `Hold the request up to this many seconds (0–${MAX_WAIT_SECONDS}) for the result`,
  schema: { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS },
};
const minConfidenceParam = {
  name: 'min_confidence',
  in: 'query',
  required: false,
  description:
    "Confidence floor (0–1) for this image, instead of the model's minConfidence: a top guess under it comes " +
    'back recognized: false',
  schema: { type: 'number', minimum: 0, maximum: 1 },
};
const ended = json(
  { oneOf: [ref('TaskSucceeded'), ref('TaskFailed')] },
  'The task ended (succeeded, or failed with a reason)',
);

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
      description: 'Asynchronous image classification. Submit a photo, get a task id, fetch the result.',
    },
    components: {
      schemas,
      securitySchemes: {
        firebase: { type: 'http', scheme: 'bearer', bearerFormat: 'Firebase ID token (JWT)' },
      },
    },
    security: [{ firebase: [] }],
    paths: {
      '/predict': {
        post: {
          summary: 'Submit an image for classification',
          parameters: [
            waitParam,
            minConfidenceParam,
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'Retries with the same key (same uid, within RESULT_TTL) return the same task',
              schema: { type: 'string', maxLength: 255 },
            },
          ],
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['image'],
                  properties: { image: { type: 'string', format: 'binary' } },
                },
              },
              'image/*': { schema: { type: 'string', format: 'binary' } },
            },
          },
          responses: {
            '200': ended,
            '202': json(ref('TaskPending'), 'Accepted and queued', {
              Location: { schema: { type: 'string', example: '/result/{task_id}' } },
            }),
            '400': error(
              'No file, wrong field, more than one file, or a bad parameter (wait, min_confidence)',
            ),
            '401': unauthorized,
            '413': error('Larger than the upload limit'),
            '415': error('Not a JPEG, PNG, WebP, GIF, AVIF or TIFF image (by its bytes)'),
            '422': error(
              'Unreadable image header, too many pixels, or an Idempotency-Key reused for another image',
            ),
            '429': error('Over the per-user upload rate limit', retryAfter),
            '503': error(
              'Queue full (MAX_QUEUED_TASKS; Retry-After from how fast it drains), or queue or store unreachable; nothing was accepted',
              retryAfter,
            ),
          },
        },
      },
      '/result/{task_id}': {
        get: {
          summary: 'Fetch the result of a task (only its submitter can)',
          parameters: [
            { name: 'task_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
            waitParam,
            {
              name: 'Accept-Language',
              in: 'header',
              required: false,
              description: 'Language of the `display` names, among those the model has',
              schema: { type: 'string', example: 'es' },
            },
          ],
          responses: {
            '200': ended,
            '202': json(ref('TaskPending'), 'Still queued or processing', retryAfter),
            '401': unauthorized,
            '404': error('Unknown, expired, or not yours'),
            '503': error('Store unreachable', retryAfter),
          },
        },
        delete: {
          summary:
            'Take a task back: one not yet classified never is, one in progress is dropped, an ended one’s result is deleted at once',
          parameters: [
            { name: 'task_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          ],
          responses: {
            '204': { description: 'Taken back; a GET afterwards is 404' },
            '401': unauthorized,
            '404': error('Unknown, expired, already taken back, or not yours (the same 404 as GET)'),
            '503': error('Store unreachable', retryAfter),
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { '200': { description: 'Alive' } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: queue and store reachable',
          security: [],
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'Metrics' } },
        },
      },
    },
  };
}
