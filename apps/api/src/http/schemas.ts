import { z } from 'zod';
import {
  DisplayNamesSchema,
  CancelledRecordSchema,
  FailedRecordSchema,
  ModelRefSchema,
  NotificationStatusSchema,
  ScoredLabelSchema,
  SucceededRecordSchema,
  TaskErrorSchema,
  TaskIdSchema,
  TaskStatusSchema,
} from '@visionq/core';

/**
 * Response bodies of the HTTP API, built from the core schemas that validate the stored records. The OpenAPI
 * document is generated from these, and the tests check every response against them.
 */

/** The schemas the OpenAPI document names as components. */
export const apiRegistry = z.registry<{ id: string }>();

const Labelled = ScoredLabelSchema.omit({ names: true }).extend({
  display: z
    .string()
    .optional()
    .describe('Display name in the language Accept-Language picked, when the model has one'),
});

export const PendingBodySchema = z
  .object({ task_id: TaskIdSchema, status: TaskStatusSchema.extract(['queued', 'processing']) })
  .register(apiRegistry, { id: 'TaskPending' });

/** What became of the task's notification: never the token or the URL it went to. Inlined where used. */
const NotificationSchema = NotificationStatusSchema.describe(
  'Present when the task asked to be notified (fcm_token or callback_url): the channel, the attempts made so ' +
    'far, and when it was delivered or given up on (neither yet: still being tried)',
);

export const SucceededBodySchema = z
  .object({
    task_id: TaskIdSchema,
    status: z.literal('succeeded'),
    result: Labelled.extend({
      recognized: z
        .boolean()
        .describe(
          "False when the top confidence is under the model's floor (its metadata's minConfidence, or the request's " +
            "?min_confidence=) or the top label is the model's noneLabel; then label is the none label where the " +
            'model has one (display "No sign recognised" / "No se reconoce ninguna señal" for the bundled model), ' +
            'else the top guess. confidence and top_k[0] are always the top guess.',
        ),
      top_k: z.array(Labelled).min(1),
    }),
    model: ModelRefSchema,
    created_at: z.iso.datetime(),
    completed_at: z.iso.datetime(),
    notification: NotificationSchema.optional(),
  })
  .register(apiRegistry, { id: 'TaskSucceeded' });

export const FailedBodySchema = z
  .object({
    task_id: TaskIdSchema,
    status: z.literal('failed'),
    error: TaskErrorSchema,
    created_at: z.iso.datetime(),
    completed_at: z.iso.datetime(),
    notification: NotificationSchema.optional(),
  })
  .register(apiRegistry, { id: 'TaskFailed' });

export const ErrorBodySchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .register(apiRegistry, { id: 'Error' });

export type PendingBody = z.infer<typeof PendingBodySchema>;
export type SucceededBody = z.infer<typeof SucceededBodySchema>;
export type FailedBody = z.infer<typeof FailedBodySchema>;

const ModelLabel = z.object({
  id: z.string().min(1).describe('What results report as `label`'),
  names: DisplayNamesSchema.optional().describe('Display names by language tag'),
});

export const ModelBodySchema = z
  .object({
    name: z.string(),
    version: z.string(),
    labels: z.array(ModelLabel).describe('Every label the model answers with, in its output order'),
    none_label: ModelLabel.optional().describe(
      'The label of an answer where nothing is recognised (`recognized: false`), when the model has one',
    ),
    min_confidence: z
      .number()
      .min(0)
      .max(1)
      .describe('The confidence floor: a top guess under it is not recognised (0: every guess is)'),
    input: z
      .object({
        width: z.int().min(1),
        height: z.int().min(1),
        resize: z
          .enum(['fill', 'cover', 'contain'])
          .describe('fill stretches the photo to the input, cover crops its centre, contain letterboxes it'),
      })
      .describe('What the model sees of a photo'),
    upload: z
      .object({
        short_side: z.int().min(1).describe('Shrink the photo so that its short side is at most this'),
        max_side: z.int().min(1).describe('and its long side at most this (never enlarge)'),
        type: z.literal('image/jpeg').describe('then encode it in this format'),
        quality: z.int().min(1).max(100).describe('at this quality'),
      })
      .describe(
        'The upload that loses nothing for this model (a short side 4× its input): smaller photos are sent as ' +
          'they are. Shrinking is an optimisation; the API accepts any photo within its limits.',
      ),
  })
  .register(apiRegistry, { id: 'Model' });

export type ModelBody = z.infer<typeof ModelBodySchema>;
/** The body of the webhook sent when a task ends (`callback_url`): the stored record, less its owner. */
const hidden = { owner: true, notification: true } as const;
export const WebhookBodySchema = z
  .object({
    type: z.literal('task.ended'),
    timestamp: z.iso.datetime().describe('When the task ended'),
    data: z
      .discriminatedUnion('status', [
        SucceededRecordSchema.omit(hidden),
        FailedRecordSchema.omit(hidden),
        CancelledRecordSchema.omit(hidden),
      ])
      .describe(
        'The task as it ended. A result carries its display names in every language the model has (`names`), ' +
          'where GET /result shows one (`display`).',
      ),
  })
  .register(apiRegistry, { id: 'TaskEndedWebhook' });
export type WebhookBody = z.infer<typeof WebhookBodySchema>;
