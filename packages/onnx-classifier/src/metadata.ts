import { readFile } from 'node:fs/promises';
import { DisplayNamesSchema, InvalidModelError, MinConfidenceSchema, type LabelInfo } from '@visionq/core';
import { PreprocessSpecSchema } from '@visionq/image-preprocess';
import { z } from 'zod';

/** One output class. A bare string is shorthand for `{ id }`. */
export const LabelSchema = z.union([
  z
    .string()
    .min(1)
    .transform((id) => ({ id })),
  z.object({
    /** Stable id, e.g. `speed_limit_50`; what results report as `label`. */
    id: z.string().min(1),
    /** Display names by language tag, e.g. `{ "en": "Stop", "es": "Pare" }`. */
    names: DisplayNamesSchema.optional(),
  }),
]);

/** The `<name>.json` file beside `<name>.onnx`. See the README for the format, field by field. */
export const ModelMetadataSchema = z
  .object({
    name: z.string().min(1),
    version: z.union([z.string().min(1), z.number().transform(String)]),
    /** In output order: label i names output i. */
    labels: z.array(LabelSchema).min(2),
    preprocess: PreprocessSpecSchema,
    /** The model's input name; may be left out when the model has exactly one input. */
    input: z.string().min(1).optional(),
    output: z.object({
      /** The output to read; may be left out when the model has exactly one output. */
      name: z.string().min(1).optional(),
      /** `logits` get a softmax; `probabilities` are used as they are. */
      kind: z.enum(['logits', 'probabilities']),
    }),
    /** How many labels each prediction lists in `top_k`, by default (at most the number of labels). */
    topK: z.int().min(1).default(5),
    /** A best guess less confident than this (0–1) is not recognised. Default 0: every guess is. */
    minConfidence: MinConfidenceSchema.optional(),
    /**
     * The answer when nothing is recognised: the id of one of `labels` (a "none" class the model was trained
     * with, whose display names it takes), or a label of its own for a model without one.
     */
    noneLabel: LabelSchema.optional(),
  })
  .superRefine((metadata, ctx) => {
    const seen = new Set<string>();
    metadata.labels.forEach((label, i) => {
      if (seen.has(label.id))
        ctx.addIssue({ code: 'custom', path: ['labels', i], message: `duplicate label id "${label.id}"` });
      seen.add(label.id);
    });
  })
  .transform(({ noneLabel, ...metadata }) => {
    const result: typeof metadata & { noneLabel?: LabelInfo } = metadata;
    if (!noneLabel) return result;
    const given: LabelInfo = noneLabel;
    const labels: readonly LabelInfo[] = metadata.labels;
    const names = given.names ?? labels.find((label) => label.id === given.id)?.names;
    result.noneLabel = names ? { id: given.id, names } : { id: given.id };
    return result;
  });

export type ModelMetadataInput = z.input<typeof ModelMetadataSchema>;
export type ModelMetadata = z.output<typeof ModelMetadataSchema>;

/** Validates metadata; throws `InvalidModelError` that names every bad field. */
export function parseModelMetadata(json: unknown, source = 'model metadata'): ModelMetadata {
  const result = ModelMetadataSchema.safeParse(json);
  if (!result.success)
    throw new InvalidModelError(`${source} is invalid:\n${z.prettifyError(result.error)}`, {
      cause: result.error,
    });
  return result.data;
}

/** `models/x.onnx` → `models/x.json`. */
export function metadataPathFor(modelPath: string): string {
  return modelPath.replace(/(\.onnx)?$/i, '.json');
}

/** Reads and validates the metadata file; every failure is an `InvalidModelError` naming the file. */
export async function loadModelMetadata(path: string): Promise<ModelMetadata> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InvalidModelError(`cannot read model metadata ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidModelError(`model metadata ${path} is not JSON`, { cause });
  }
  return parseModelMetadata(json, `model metadata ${path}`);
}
