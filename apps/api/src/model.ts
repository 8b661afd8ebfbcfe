import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DisplayNamesSchema, MinConfidenceSchema, type DisplayNames } from '@visionq/core';
import { PreprocessSpecSchema, recommendUpload } from '@visionq/image-preprocess';
import { ConfigError } from '@visionq/service-kit';
import { ModelBodySchema, type ModelBody } from './http/schemas.js';

// The API classifies nothing and loads no model: it reads only the small metadata file beside it (the same
// file the workers read; the image ships it to every process) and only the fields GET /model serves. The file's
// full format, checked against the model itself, is the classifier's (`@visionq/onnx-classifier`).
const Label = z.union([
  z
    .string()
    .min(1)
    .transform((id): { id: string; names?: DisplayNames } => ({ id })),
  z.object({ id: z.string().min(1), names: DisplayNamesSchema.optional() }),
]);
const ServedMetadataSchema = z.object({
  name: z.string().min(1),
  version: z.union([z.string().min(1), z.number().transform(String)]),
  labels: z.array(Label).min(2),
  noneLabel: Label.optional(),
  minConfidence: MinConfidenceSchema.optional(),
  preprocess: PreprocessSpecSchema,
});

/** GET /model's answer, computed once: the body and its strong ETag. */
export interface ServedModel {
  body: ModelBody;
  etag: string;
}

/** `models/x.onnx` → `models/x.json`, as the classifier finds it. */
const metadataPathFor = (modelPath: string) => modelPath.replace(/(\.onnx)?$/i, '.json');

/** Reads the metadata of the model at `modelPath`; a `ConfigError` naming `MODEL_PATH` when it cannot serve. */
export async function loadServedModel(modelPath: string): Promise<ServedModel> {
  const path = metadataPathFor(modelPath);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`invalid configuration: MODEL_PATH: cannot read the model's metadata ${path}`, {
      cause,
    });
  }
  const parsed = ServedMetadataSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(
      `invalid configuration: MODEL_PATH: the model's metadata ${path} is invalid:\n${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  return describeModel(parsed.data);
}

export function describeModel(metadata: z.output<typeof ServedMetadataSchema>): ServedModel {
  const { name, version, labels, noneLabel, minConfidence, preprocess } = metadata;
  const noneNames =
    noneLabel && (noneLabel.names ?? labels.find((label) => label.id === noneLabel.id)?.names);
  const none = noneLabel && { id: noneLabel.id, ...(noneNames ? { names: noneNames } : {}) };
  const body = ModelBodySchema.parse({
    name,
    version,
    labels,
    ...(none ? { none_label: none } : {}),
    min_confidence: minConfidence ?? 0,
    input: { width: preprocess.width, height: preprocess.height, resize: preprocess.resize },
    upload: recommendUpload(preprocess),
  });
  const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
  return { body, etag };
}
