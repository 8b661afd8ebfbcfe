import { InvalidModelError } from '@visionq/core';
import { z } from 'zod';

const rgb = z.tuple([z.int().min(0).max(255), z.int().min(0).max(255), z.int().min(0).max(255)]);

/**
 * How to turn a photo into a model's input: the `preprocess` object of a model's metadata file. Every field but
 * `width` and `height` has a default, chosen to match a torchvision-style NCHW float model.
 */
export const PreprocessSpecSchema = z
  .object({
    width: z.int().min(1).max(4096),
    height: z.int().min(1).max(4096),
    /** Axis order of the input tensor; N is the batch axis. */
    layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
    /** Colour channels the model expects: 3 (colour) or 1 (greyscale). */
    channels: z.union([z.literal(1), z.literal(3)]).default(3),
    /** Order of the colour channels; ignored when `channels` is 1. */
    channelOrder: z.enum(['RGB', 'BGR']).default('RGB'),
    /** `fill` stretches, `cover` crops the centre, `contain` letterboxes onto `background`. */
    resize: z.enum(['fill', 'cover', 'contain']).default('fill'),
    /** Pixel values 0..255 are multiplied by this first. */
    scale: z
      .number()
      .positive()
      .default(1 / 255),
    /** Then `(x - mean) / std`, per channel, in the model's channel order. */
    mean: z.array(z.number()).min(1).max(3).default([0, 0, 0]),
    std: z.array(z.number().positive()).min(1).max(3).default([1, 1, 1]),
    /** `uint8` feeds raw 0..255 values and requires scale 1, mean 0 and std 1. */
    dtype: z.enum(['float32', 'uint8']).default('float32'),
    /** RGB 0..255: the letterbox colour of `contain`, and what transparent pixels are flattened onto. */
    background: rgb.default([0, 0, 0]),
  })
  .transform((spec, ctx) => {
    // A one-value mean/std applies to every channel; mean's default follows `channels`.
    const fit = (values: number[], name: 'mean' | 'std') => {
      if (values.length === spec.channels) return values;
      if (values.length === 1 || (values.every((v) => v === values[0]) && values.length === 3))
        return Array.from({ length: spec.channels }, () => values[0] as number);
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `${name} has ${values.length} values, the model has ${spec.channels} channels`,
      });
      return values;
    };
    const mean = fit(spec.mean, 'mean');
    const std = fit(spec.std, 'std');
    if (spec.dtype === 'uint8' && (spec.scale !== 1 || mean.some((v) => v !== 0) || std.some((v) => v !== 1)))
      ctx.addIssue({
        code: 'custom',
        path: ['dtype'],
        message: 'uint8 input requires scale 1, mean 0, std 1',
      });
    return { ...spec, mean, std };
  });

/** A preprocessing spec as written in a metadata file (defaults may be left out). */
export type PreprocessSpecInput = z.input<typeof PreprocessSpecSchema>;
/** A validated preprocessing spec, every default filled in. */
export type PreprocessSpec = z.output<typeof PreprocessSpecSchema>;

const parsed = new WeakMap<object, PreprocessSpec>();

/**
 * Validates a spec once and remembers the result, so that per-image calls cost nothing. Throws
 * `InvalidModelError` naming the bad field: a bad spec is a model that cannot serve.
 */
export function parsePreprocessSpec(spec: PreprocessSpecInput): PreprocessSpec {
  const known = parsed.get(spec);
  if (known) return known;
  const result = PreprocessSpecSchema.safeParse(spec);
  if (!result.success) {
    throw new InvalidModelError(`invalid preprocess spec: ${z.prettifyError(result.error)}`, {
      cause: result.error,
    });
  }
  parsed.set(spec, result.data);
  parsed.set(result.data, result.data);
  return result.data;
}

/** Elements of one image in the input tensor. */
export function elementsPerImage(spec: PreprocessSpec): number {
  return spec.width * spec.height * spec.channels;
}

/** Tensor dims of a batch of `n` images. */
export function batchDims(spec: PreprocessSpec, n: number): [number, number, number, number] {
  return spec.layout === 'NCHW'
    ? [n, spec.channels, spec.height, spec.width]
    : [n, spec.height, spec.width, spec.channels];
}
