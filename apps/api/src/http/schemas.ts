import { z } from 'zod';
import {
  ModelRefSchema,
  ScoredLabelSchema,
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
  })
  .register(apiRegistry, { id: 'TaskSucceeded' });

export const FailedBodySchema = z
  .object({
    task_id: TaskIdSchema,
    status: z.literal('failed'),
    error: TaskErrorSchema,
    created_at: z.iso.datetime(),
    completed_at: z.iso.datetime(),
  })
  .register(apiRegistry, { id: 'TaskFailed' });

export const ErrorBodySchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .register(apiRegistry, { id: 'Error' });

export type PendingBody = z.infer<typeof PendingBodySchema>;
export type SucceededBody = z.infer<typeof SucceededBodySchema>;
export type FailedBody = z.infer<typeof FailedBodySchema>;
